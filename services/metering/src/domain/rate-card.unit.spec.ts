import { describe, expect, it } from '@jest/globals';
import { MeteringError } from './metering-error.js';
import { rateCardAt, ratesFor } from './rate-card.js';
import { card, rates, TIER_BATCH, TIER_REALTIME } from './rate-card.fixtures.js';

const v1 = card('v1', '2026-01-01T00:00:00Z', { [TIER_BATCH]: { l4: rates() } });
const v2 = card('v2', '2026-06-01T00:00:00Z', { [TIER_BATCH]: { l4: rates({ perGpuHour: 1n }) } });
const cards = [v2, v1];

describe('rateCardAt', () => {
  it('picks the version with the latest effective time not after the report time, whatever the list order', () => {
    expect(rateCardAt(cards, Date.parse('2026-03-01T00:00:00Z')).version).toBe('v1');
    expect(rateCardAt(cards, Date.parse('2027-01-01T00:00:00Z')).version).toBe('v2');
  });

  it('applies a new version from its effective instant on, and not one millisecond before', () => {
    expect(rateCardAt(cards, Date.parse('2026-06-01T00:00:00Z')).version).toBe('v2');
    expect(rateCardAt(cards, Date.parse('2026-06-01T00:00:00Z') - 1).version).toBe('v1');
  });

  it('fails with NO_RATE_CARD_IN_EFFECT before the first version', () => {
    expect(() => rateCardAt(cards, Date.parse('2025-12-31T23:59:59.999Z'))).toThrow(
      expect.objectContaining({ code: 'NO_RATE_CARD_IN_EFFECT' }) as unknown as MeteringError,
    );
  });
});

describe('ratesFor', () => {
  it('fails with RATE_NOT_FOUND for a tier or GPU class the version does not price', () => {
    expect(ratesFor(v1, TIER_BATCH, 'l4')).toEqual(rates());
    expect(() => ratesFor(v1, TIER_REALTIME, 'l4')).toThrow(/no price for GPU class "l4" in TIER_REALTIME/);
    expect(() => ratesFor(v1, TIER_BATCH, 'h100-80g')).toThrow(MeteringError);
  });
});
