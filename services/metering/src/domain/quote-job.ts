// quoteJob: the worst-case price of a spec per tier, before it is submitted. Worst case means the
// whole declared duration on every requested GPU, priced like a usage report of that much GPU
// time (minimum charge included), plus fetching every declared input (as if no provider held
// any) at the card's price per GB fetched. Tokens and other bytes are unknown and not quoted.
import { api } from '@switchyard/contracts/messages';
import { epochMsOf } from './instant.js';
import { MeteringError } from './metering-error.js';
import { chargeFor, transferCharge } from './price-usage.js';
import { PRICED_TIERS, rateCardAt, type RateCard } from './rate-card.js';

/** One tier, several, or `'all'`: every tier the rate card prices the spec's GPU class in. */
export type QuotedTiers = api.Tier | readonly api.Tier[] | 'all';

/** GPU milliseconds of the worst case: declared duration × GPU count (a count of 0 counts as 1). */
export function worstCaseGpuMilliseconds(spec: Pick<api.JobSpec, 'estimatedDurationSeconds' | 'gpuCount'>): bigint {
  return BigInt(spec.estimatedDurationSeconds) * 1000n * BigInt(Math.max(1, spec.gpuCount));
}

/**
 * Bytes of every declared input, each digest once, and of every dependency's stated output: what
 * a provider holding none of them fetches.
 */
export function worstCaseFetchedBytes(spec: Pick<api.JobSpec, 'inputs' | 'dependsOn'>): bigint {
  const sizes = new Map<string, bigint>();
  for (const input of spec.inputs ?? []) {
    const size = BigInt(input.sizeBytes || '0');
    if (size > (sizes.get(input.digest) ?? 0n)) sizes.set(input.digest, size);
  }
  let total = 0n;
  for (const size of sizes.values()) total += size;
  for (const dependency of spec.dependsOn ?? []) total += BigInt(dependency.outputSizeBytes || '0');
  return total;
}

/**
 * Prices `spec` in `tiers` under the rate card in effect at `at`. A named tier without a price for
 * the spec's GPU class is a RATE_NOT_FOUND error; with `'all'`, tiers without one are left out
 * and it is an error only when none prices it.
 */
export function quoteJob(spec: api.JobSpec, tiers: QuotedTiers, cards: readonly RateCard[], at: api.Timestamp): api.Quote {
  const card = rateCardAt(cards, epochMsOf(at));
  const gpuMilliseconds = worstCaseGpuMilliseconds(spec);
  const inputBytes = worstCaseFetchedBytes(spec);
  const wanted = tiers === 'all' ? PRICED_TIERS : typeof tiers === 'string' ? [tiers] : tiers;
  const prices: api.TierPrice[] = [];
  for (const tier of wanted) {
    const rates = tier === api.Tier.TIER_UNSPECIFIED ? undefined : card.rates.get(tier)?.get(spec.gpuClass);
    if (rates === undefined) {
      if (tiers === 'all') continue;
      throw new MeteringError('RATE_NOT_FOUND', `rate card ${card.version} has no price for GPU class "${spec.gpuClass}" in ${tier}`);
    }
    // A spec declaring no duration still costs at least the minimum charge.
    const transfer = transferCharge(inputBytes, rates);
    const compute = gpuMilliseconds === 0n ? rates.minimumCharge : chargeFor({ gpuMilliseconds, tokens: 0n, bytes: 0n }, rates);
    prices.push({
      tier,
      worstCasePriceBaseUnits: (compute + transfer).toString(),
      gpuHourRateBaseUnits: rates.perGpuHour.toString(),
      worstCaseTransferBaseUnits: transfer.toString(),
    });
  }
  if (prices.length === 0) {
    throw new MeteringError('RATE_NOT_FOUND', `rate card ${card.version} prices GPU class "${spec.gpuClass}" in no tier`);
  }
  return { rateCardVersion: card.version, prices, quotedAt: at };
}

/**
 * The highest worst-case price in a quote: what a submission can cost at most before its tier is
 * known (the classifier picks the tier after submission), e.g. for a spending-cap check.
 */
export function highestWorstCasePrice(quote: api.Quote): bigint {
  return quote.prices.reduce((highest, price) => {
    const value = BigInt(price.worstCasePriceBaseUnits);
    return value > highest ? value : highest;
  }, 0n);
}
