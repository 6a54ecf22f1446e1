import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import { defaultPlacementPolicy as policy, type PlacementPolicy } from '../placement-policy.js';
import { completedJobs, given, lost, registered, request } from '../scenario.fixtures.js';
import { placeJob } from './place-job.js';
import { decisionDifferences, rescoreDecision } from './rescore-decision.js';

const fleet = given(
  registered('near', { latencyMs: 12, price: '3000000', region: 'eu-west' }),
  ...completedJobs('near', 10),
  registered('mid', { latencyMs: 35, price: '1800000', region: 'eu-central' }),
  ...completedJobs('mid', 30),
  registered('far-cheap', { latencyMs: 140, price: '600000', region: 'us-east' }),
  registered('flaky', { latencyMs: 20, price: '1500000' }),
  lost('flaky'),
  registered('flaky', { latencyMs: 20, price: '1500000' }),
);

describe('rescoreDecision', () => {
  it('reproduces the recorded choice and scores exactly from the recorded factors (replay verify)', () => {
    for (const tier of [api.Tier.TIER_REALTIME, api.Tier.TIER_STANDARD, api.Tier.TIER_BATCH, api.Tier.TIER_TRAINING] as const) {
      const decision = placeJob(request({ tier }), fleet, policy);
      if (decision.type !== 'JobPlaced') throw new Error('expected a placement');
      const record = decision.data.decision!;

      const rescored = rescoreDecision(record, { jobId: 'job-1', gpuClass: 'a100-80g' }, policy);

      expect(rescored.chosenProviderId).toBe(record.chosenProviderId);
      expect(rescored.chosenScore).toEqual(record.chosenScore);
      expect(rescored.candidates).toEqual(record.candidates);
      expect(decisionDifferences(record, rescored)).toEqual([]);
    }
  });

  it('survives a JSON round trip of the record (doubles print and parse exactly)', () => {
    const decision = placeJob(request({ tier: api.Tier.TIER_REALTIME }), fleet, policy);
    if (decision.type !== 'JobPlaced') throw new Error('expected a placement');
    const record = JSON.parse(JSON.stringify(decision.data.decision));
    expect(decisionDifferences(record, rescoreDecision(record, { jobId: 'job-1', gpuClass: 'a100-80g' }, policy))).toEqual([]);
  });

  it('shows what another policy would have chosen (what-if)', () => {
    const decision = placeJob(request({ tier: api.Tier.TIER_REALTIME }), fleet, policy);
    if (decision.type !== 'JobPlaced') throw new Error('expected a placement');
    const record = decision.data.decision!;
    const priceOnly: PlacementPolicy = {
      ...policy,
      version: 'what-if-price-only',
      tiers: {
        ...policy.tiers,
        [api.Tier.TIER_REALTIME]: { weights: { latency: 0, reputation: 0, price: 1, operatorSpread: 0 }, operatorShareCapBp: 10_000 },
      },
    };

    const rescored = rescoreDecision(record, { jobId: 'job-1', gpuClass: 'a100-80g' }, priceOnly);

    expect(record.chosenProviderId).toBe('near');
    expect(rescored.chosenProviderId).toBe('far-cheap');
    expect(decisionDifferences(record, rescored)[0]).toBe('chosen provider near -> far-cheap');
  });
});
