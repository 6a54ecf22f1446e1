import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RateCard } from '../domain/index.js';
import { parseRateCards } from './parse-rate-cards.js';
import { RateCardError } from './rate-card-error.js';

/** The rate cards shipped with the service: services/metering/rate-cards/ (same depth from src/ and dist/). */
export const defaultRateCardsPath = fileURLToPath(new URL('../../rate-cards/rate-cards.yaml', import.meta.url));

/** Reads and validates a rate-card file; any failure, an unreadable file included, is a RateCardError. */
export async function loadRateCards(path: string = defaultRateCardsPath): Promise<readonly RateCard[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RateCardError(path, [{ path: '', message: `cannot read the file: ${(error as Error).message}` }]);
  }
  return parseRateCards(text, path);
}
