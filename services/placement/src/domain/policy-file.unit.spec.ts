import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import { defaultPlacementPolicy } from './placement-policy.js';
import { placementPolicyFrom } from './policy-file.js';

describe('placement policy files', () => {
  it('overrides only what the file names, on top of the base version', () => {
    const policy = placementPolicyFrom(
      { version: 'p-2', tiers: { TIER_BATCH: { weights: { price: 0.9 } } }, scales: { latencyHalfMs: 80 } },
      'p.yaml',
    );
    expect(policy.version).toBe('p-2');
    expect(policy.tiers[api.Tier.TIER_BATCH].weights).toEqual({ ...defaultPlacementPolicy.tiers[api.Tier.TIER_BATCH].weights, price: 0.9 });
    expect(policy.tiers[api.Tier.TIER_REALTIME]).toEqual(defaultPlacementPolicy.tiers[api.Tier.TIER_REALTIME]);
    expect(policy.scales.latencyHalfMs).toBe(80);
    expect(policy.reputation).toEqual(defaultPlacementPolicy.reputation);
  });

  it('lists every problem: unknown fields, tiers and factors, bad numbers, missing version', () => {
    expect(() =>
      placementPolicyFrom({ tiers: { TIER_FAST: {}, TIER_BATCH: { weights: { speed: 1, price: -1 } } }, colour: 'red' }, 'bad.yaml'),
    ).toThrow(
      'invalid placement policy bad.yaml: unknown field "colour"; version: required, a string; tiers.TIER_FAST: unknown tier; expected one of TIER_REALTIME, TIER_STANDARD, TIER_TRAINING, TIER_BATCH; tiers.TIER_BATCH.weights.speed: unknown factor; expected latency, reputation, price, operatorSpread, transferTime, transferPrice; tiers.TIER_BATCH.weights.price: expected a number >= 0',
    );
  });

  it('refuses an unknown base version', () => {
    expect(() => placementPolicyFrom({ version: 'p-3', base: 'placement-1999' }, 'p.yaml')).toThrow(
      'unknown base version "placement-1999"',
    );
  });

  it('sets patience: start timeouts per tier, the not-held grace, the exclusion relaxation and the unplaceable bound', () => {
    const policy = placementPolicyFrom(
      {
        version: 'p-4',
        patience: {
          startTimeoutMs: { TIER_BATCH: 2_000 },
          notHeldGraceIntervals: 1,
          relaxExclusionAfterMs: 3_000,
          failUnplaceableAfterMs: 4_000,
        },
      },
      'p.yaml',
    );
    expect(policy.patience).toEqual({
      startTimeoutMs: { ...defaultPlacementPolicy.patience.startTimeoutMs, [api.Tier.TIER_BATCH]: 2_000 },
      notHeldGraceIntervals: 1,
      relaxExclusionAfterMs: 3_000,
      failUnplaceableAfterMs: 4_000,
    });
    expect(() =>
      placementPolicyFrom(
        { version: 'p-5', patience: { startTimeoutMs: { TIER_NOW: 1 }, relaxExclusionAfterMs: -1, patient: true } },
        'p.yaml',
      ),
    ).toThrow(
      'invalid placement policy p.yaml: patience.startTimeoutMs.TIER_NOW: unknown tier; expected one of TIER_REALTIME, TIER_STANDARD, TIER_TRAINING, TIER_BATCH; patience.relaxExclusionAfterMs: expected a whole number >= 0; patience.patient: unknown field; expected startTimeoutMs, notHeldGraceIntervals, relaxExclusionAfterMs, failUnplaceableAfterMs',
    );
  });

  it('accepts a shipped version unchanged and refuses one changed under its shipped version', () => {
    expect(placementPolicyFrom({ version: defaultPlacementPolicy.version }, 'p.yaml')).toEqual(defaultPlacementPolicy);
    expect(() => placementPolicyFrom({ version: defaultPlacementPolicy.version, maxAttempts: 9 }, 'p.yaml')).toThrow(
      `it changes ${defaultPlacementPolicy.version}, a shipped version`,
    );
  });
});
