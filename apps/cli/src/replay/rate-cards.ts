import { defaultRateCardsPath, loadRateCards, RateCardError, type RateCard } from '@switchyard/metering/pricing';
import { usageError } from '../cli-error.js';

/** The rate cards metering ships: the baseline what-if prices recorded tiers with. */
export async function shippedRateCards(): Promise<readonly RateCard[]> {
  return loadRateCards(defaultRateCardsPath);
}

/** A rate-card file named on the command line: unreadable or invalid is bad input (exit 2). */
export async function rateCardFile(path: string): Promise<readonly RateCard[]> {
  try {
    return await loadRateCards(path);
  } catch (error) {
    if (error instanceof RateCardError) {
      throw usageError(
        `invalid rate card file ${error.source}: ${error.issues.map((i) => `${i.path || '(file)'}${i.line === undefined ? '' : ` (line ${i.line})`}: ${i.message}`).join('; ')}`,
      );
    }
    throw error;
  }
}
