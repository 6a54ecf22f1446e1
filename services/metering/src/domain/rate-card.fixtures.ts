// Rate cards for the domain specs: built directly, not parsed, so the specs test pricing alone.
import { api } from '@switchyard/contracts/messages';
import type { GpuClassRates, PricedTier, RateCard } from './rate-card.js';

/** One token is 10^6 base units (docs/rate-card.md). */
export const TOKEN = 10n ** 6n;

export function rates(overrides: Partial<GpuClassRates> = {}): GpuClassRates {
  return { perGpuHour: 3n * TOKEN, per1kTokens: TOKEN / 1000n, perGib: TOKEN / 100n, minimumCharge: TOKEN / 10_000n, ...overrides };
}

export function card(
  version: string,
  effectiveFrom: string,
  prices: Partial<Record<PricedTier, Record<string, GpuClassRates>>>,
  protocolFeeBps = 500n,
): RateCard {
  const byTier = new Map(Object.entries(prices).map(([tier, classes]) => [tier as PricedTier, new Map(Object.entries(classes))]));
  return { version, effectiveFromMs: Date.parse(effectiveFrom), protocolFeeBps, rates: byTier };
}

export const { TIER_REALTIME, TIER_STANDARD, TIER_BATCH, TIER_TRAINING } = api.Tier;
