import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import { defaultPlacementPolicy as policy } from '../placement-policy.js';
import { R, given, registered, request, spec } from '../scenario.fixtures.js';
import { placeJob } from './place-job.js';
import { worstCasePrice } from './price-cap.js';

describe('price cap', () => {
  it('prices the worst case as ceil(price per GPU-hour × GPUs × seconds / 3600) in bigint', () => {
    expect(worstCasePrice(3600n, 1, 1)).toBe(1n);
    expect(worstCasePrice(3601n, 1, 1)).toBe(2n);
    expect(worstCasePrice(1000n, 1, 1)).toBe(1n);
    expect(worstCasePrice(2_000_000n, 4, 5400)).toBe(12_000_000n);
    // Beyond 2^53: a float would round, bigint does not.
    expect(worstCasePrice(9_007_199_254_740_993n, 2, 3600)).toBe(18_014_398_509_481_986n);
  });

  it('accepts a provider exactly at the job maximum and rejects one base unit above', () => {
    // 1 GPU for 1800 s at 2_000_000 / GPU-hour = 1_000_000; at 2_000_001 the ceiling is 1_000_001.
    const registry = given(registered('at-cap', { price: '2000000' }), registered('above-cap', { price: '2000001' }));
    const decision = placeJob(
      request({ tier: api.Tier.TIER_BATCH, spec: spec({ estimatedDurationSeconds: 1800, maxPriceBaseUnits: '1000000' }) }),
      registry,
      policy,
    );
    expect(decision.type === 'JobPlaced' && decision.data.providerId).toBe('at-cap');
    expect(decision.type === 'JobPlaced' && decision.data.decision!.rejections).toEqual([
      { reason: R.REJECTION_REASON_PRICE_ABOVE_MAX, count: 1 },
    ]);
  });

  it('treats a maximum price of 0 as no cap', () => {
    const registry = given(registered('dear', { price: '999999999999' }));
    expect(placeJob(request({ spec: spec({ maxPriceBaseUnits: '0' }) }), registry, policy).type).toBe('JobPlaced');
  });
});
