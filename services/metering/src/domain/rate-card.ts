// A rate card version: integer prices per tier and GPU class, and the protocol's share. Versions
// never change once published; a new price is a new version with a later `effectiveFromMs`.
import { api } from '@switchyard/contracts/messages';
import { MeteringError } from './metering-error.js';

/** Prices of one GPU class in one tier, in integer base units of the token. */
export interface GpuClassRates {
  readonly perGpuHour: bigint;
  readonly per1kTokens: bigint;
  readonly perGib: bigint;
  /** Per GB (10^9 bytes) of job inputs fetched by the provider, on top of per_gib; 0 when the version has none. */
  readonly perGbFetched?: bigint;
  /** Least a priced usage report costs the tenant (a report with no usage at all costs nothing). */
  readonly minimumCharge: bigint;
}

export type PricedTier = Exclude<api.Tier, api.Tier.TIER_UNSPECIFIED>;

export interface RateCard {
  readonly version: string;
  /** Applies to usage reported at or after this instant, until the next version's. */
  readonly effectiveFromMs: number;
  /** Protocol fee in basis points of the tenant charge, 0..10000. */
  readonly protocolFeeBps: bigint;
  readonly rates: ReadonlyMap<PricedTier, ReadonlyMap<string, GpuClassRates>>;
}

/** The version in effect at `atMs`: the one with the latest `effectiveFromMs` not after it. */
export function rateCardAt(cards: readonly RateCard[], atMs: number): RateCard {
  let chosen: RateCard | undefined;
  for (const card of cards) {
    if (card.effectiveFromMs <= atMs && (chosen === undefined || card.effectiveFromMs > chosen.effectiveFromMs)) chosen = card;
  }
  if (chosen === undefined) {
    throw new MeteringError('NO_RATE_CARD_IN_EFFECT', `no rate card version is in effect at ${new Date(atMs).toISOString()}`);
  }
  return chosen;
}

export function ratesFor(card: RateCard, tier: api.Tier, gpuClass: string): GpuClassRates {
  const rates = tier === api.Tier.TIER_UNSPECIFIED ? undefined : card.rates.get(tier)?.get(gpuClass);
  if (rates === undefined) {
    throw new MeteringError('RATE_NOT_FOUND', `rate card ${card.version} has no price for GPU class "${gpuClass}" in ${tier}`);
  }
  return rates;
}

/** Tiers in proto order, the order quotes list them in. */
export const PRICED_TIERS: readonly PricedTier[] = [
  api.Tier.TIER_REALTIME,
  api.Tier.TIER_STANDARD,
  api.Tier.TIER_BATCH,
  api.Tier.TIER_TRAINING,
];
