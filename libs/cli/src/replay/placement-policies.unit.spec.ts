import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { defaultPlacementPolicy } from '@switchyard/placement/domain';
import { placementPolicyFrom } from './placement-policies.js';

describe('placement policy files', () => {
  it('overrides only what the file names, on top of the base version', () => {
    const policy = placementPolicyFrom({ version: 'p-2', tiers: { TIER_BATCH: { weights: { price: 0.9 } } }, scales: { latencyHalfMs: 80 } }, 'p.yaml');
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
      'invalid placement policy bad.yaml: unknown field "colour"; version: required, a string; tiers.TIER_FAST: unknown tier; expected one of TIER_REALTIME, TIER_STANDARD, TIER_TRAINING, TIER_BATCH; tiers.TIER_BATCH.weights.speed: unknown factor; expected latency, reputation, price, operatorSpread; tiers.TIER_BATCH.weights.price: expected a number >= 0',
    );
  });

  it('refuses an unknown base version', () => {
    expect(() => placementPolicyFrom({ version: 'p-3', base: 'placement-1999' }, 'p.yaml')).toThrow('unknown base version "placement-1999"');
  });
});
