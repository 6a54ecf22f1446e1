import { describe, expect, it } from '@jest/globals';
import { api, type events } from '@switchyard/contracts/messages';
import { defaultPlacementPolicy as policy, type PlacementPolicy } from '../placement-policy.js';
import { evolveProviders } from '../registry/evolve-providers.js';
import {
  R,
  capacityChanged,
  classified,
  completedJobs,
  given,
  lost,
  placedOn,
  registered,
  request,
  spec,
  submitted,
} from '../scenario.fixtures.js';
import { tieBreakKey } from '../tie-break.js';
import { placeJob, type PlacementDecision } from './place-job.js';

function placed(decision: PlacementDecision): events.JobPlaced {
  if (decision.type !== 'JobPlaced') throw new Error(`expected JobPlaced, got ${JSON.stringify(decision.data)}`);
  return decision.data;
}

describe('placeJob', () => {
  it('places REALTIME work on the lowest-latency reputable provider', () => {
    const registry = given(
      registered('fast-flaky', { latencyMs: 10 }),
      lost('fast-flaky'),
      lost('fast-flaky'),
      lost('fast-flaky'),
      registered('fast-reliable', { latencyMs: 20 }),
      ...completedJobs('fast-reliable', 20),
      registered('slow-cheap', { latencyMs: 80, price: '500000' }),
      ...completedJobs('slow-cheap', 20),
    );
    // A lost provider must be registered again (it came back) to be placeable at all.
    const back = evolveProviders(registry, registered('fast-flaky', { latencyMs: 10 }));

    const job = placed(placeJob(request({ tier: api.Tier.TIER_REALTIME, spec: spec({ maxLatencyMs: 100 }) }), back, policy));

    expect(job.providerId).toBe('fast-reliable');
    const factors = Object.fromEntries(job.decision!.candidates.map((c) => [c.providerId, c.factors!.reputationBp]));
    expect(factors).toEqual({ 'fast-reliable': 9333, 'slow-cheap': 9333, 'fast-flaky': 4210 });
  });

  it('spreads BATCH work across operators within the share cap', () => {
    // Operator "cheap" is cheapest by far; without the cap it would take every job.
    let registry = given(
      registered('p-cheap', { operator: 'cheap', price: '500000', gpus: 16 }),
      registered('p-mid', { operator: 'mid', price: '1500000', gpus: 16 }),
      registered('p-dear', { operator: 'dear', price: '2500000', gpus: 16 }),
    );
    const chosenOperators: string[] = [];
    for (let i = 0; i < 9; i++) {
      const jobId = `batch-${i}`;
      registry = [submitted(jobId), classified(jobId, api.Tier.TIER_BATCH)].reduce(evolveProviders, registry);
      const job = placed(placeJob(request({ jobId, tier: api.Tier.TIER_BATCH }), registry, policy));
      registry = evolveProviders(registry, { type: 'JobPlaced', data: job });
      chosenOperators.push(job.operatorId);
    }

    expect(chosenOperators.slice(0, 3).sort()).toEqual(['cheap', 'dear', 'mid']);
    expect(countBy(chosenOperators)).toEqual({ cheap: 3, mid: 3, dear: 3 });
  });

  it('lets the cheapest operator take everything when the cap is off', () => {
    const uncapped: PlacementPolicy = {
      ...policy,
      tiers: {
        ...policy.tiers,
        [api.Tier.TIER_BATCH]: { weights: { latency: 0, reputation: 0, price: 1, operatorSpread: 0 }, operatorShareCapBp: 10_000 },
      },
    };
    let registry = given(
      registered('p-cheap', { operator: 'cheap', price: '500000', gpus: 16 }),
      registered('p-mid', { operator: 'mid', price: '1500000' }),
    );
    for (let i = 0; i < 4; i++) {
      const jobId = `batch-${i}`;
      registry = [submitted(jobId), classified(jobId, api.Tier.TIER_BATCH)].reduce(evolveProviders, registry);
      const job = placed(placeJob(request({ jobId, tier: api.Tier.TIER_BATCH }), registry, uncapped));
      expect(job.operatorId).toBe('cheap');
      registry = evolveProviders(registry, { type: 'JobPlaced', data: job });
    }
  });

  it('counts every rejection reason once, in filter order', () => {
    const share = (jobId: string) => [submitted(jobId), classified(jobId, api.Tier.TIER_BATCH), placedOn(jobId, 'ok-held', 'op-busy')];
    const registry = given(
      registered('ok'),
      registered('ok-held', { operator: 'op-busy' }),
      ...share('held-1'),
      ...share('held-2'),
      registered('unhealthy'),
      capacityChanged('unhealthy', 8, 0, api.HealthStatus.HEALTH_STATUS_UNHEALTHY),
      registered('lost'),
      lost('lost'),
      registered('excluded'),
      registered('denied', { operator: 'op-denied' }),
      registered('wrong-class', { gpuClass: 'l4' }),
      registered('small-vram', { vram: 24 }),
      registered('full', { gpus: 1 }),
      registered('us', { region: 'us-east', jurisdiction: 'EU' }),
      registered('non-eu', { region: 'eu-west', jurisdiction: 'CH' }),
      registered('dear', { price: '9000000' }),
      registered('slow', { latencyMs: 900 }),
    );
    const withRule: PlacementPolicy = {
      ...policy,
      tenantRules: { 'tenant-a': { allowedOperatorIds: [], deniedOperatorIds: ['op-denied'] } },
    };
    const jobSpec = spec({
      gpuCount: 2,
      allowedRegions: ['eu-west'],
      dataResidency: 'EU',
      maxLatencyMs: 500,
      estimatedDurationSeconds: 3600,
      maxPriceBaseUnits: '8000000', // 2 GPUs × 1 h: 4_000_000 at the default price, 18_000_000 for "dear"
    });

    const decision = placeJob(request({ tier: api.Tier.TIER_BATCH, spec: jobSpec, excludedProviderIds: ['excluded'] }), registry, withRule);

    const job = placed(decision);
    expect(job.providerId).toBe('ok');
    // Counted over the providers examined: the two unhealthy ones and the one without the class
    // are not in the class's index, and the one outside the allowed regions is in another
    // region's part of it, so none of those is examined one by one.
    expect(job.decision!.rejections).toEqual([
      { reason: R.REJECTION_REASON_EXCLUDED, count: 1 },
      { reason: R.REJECTION_REASON_TENANT_DENIED, count: 1 },
      { reason: R.REJECTION_REASON_INSUFFICIENT_VRAM, count: 1 },
      { reason: R.REJECTION_REASON_INSUFFICIENT_CAPACITY, count: 1 },
      { reason: R.REJECTION_REASON_DATA_RESIDENCY, count: 1 },
      { reason: R.REJECTION_REASON_PRICE_ABOVE_MAX, count: 1 },
      { reason: R.REJECTION_REASON_LATENCY_ABOVE_MAX, count: 1 },
      { reason: R.REJECTION_REASON_OPERATOR_SHARE_CAP, count: 1 },
    ]);
    expect(job.decision!.candidatesTotal).toBe(1);
    expect(job.decision!.providersNotExamined).toBe(4);
    expect(job.decision!.excludedProviderIds).toEqual(['excluded']);

    // When nothing fits, every provider is examined and every reason counted.
    const none = placeJob(
      request({ tier: api.Tier.TIER_BATCH, spec: jobSpec, excludedProviderIds: ['excluded', 'ok', 'ok-held'] }),
      registry,
      withRule,
    );
    expect(none.type).toBe('JobQueued');
    expect(none.type === 'JobQueued' && none.data.rejections).toEqual([
      { reason: R.REJECTION_REASON_UNHEALTHY, count: 2 },
      { reason: R.REJECTION_REASON_EXCLUDED, count: 3 },
      { reason: R.REJECTION_REASON_TENANT_DENIED, count: 1 },
      { reason: R.REJECTION_REASON_GPU_CLASS_MISMATCH, count: 1 },
      { reason: R.REJECTION_REASON_INSUFFICIENT_VRAM, count: 1 },
      { reason: R.REJECTION_REASON_INSUFFICIENT_CAPACITY, count: 1 },
      { reason: R.REJECTION_REASON_REGION_NOT_ALLOWED, count: 1 },
      { reason: R.REJECTION_REASON_DATA_RESIDENCY, count: 1 },
      { reason: R.REJECTION_REASON_PRICE_ABOVE_MAX, count: 1 },
      { reason: R.REJECTION_REASON_LATENCY_ABOVE_MAX, count: 1 },
    ]);
  });

  it('queues the job with reasons when no provider has capacity', () => {
    const registry = given(registered('a', { gpus: 2 }), registered('b', { gpus: 4 }), registered('c', { gpuClass: 'h100-80g' }));

    const decision = placeJob(request({ spec: spec({ gpuCount: 8 }), at: { seconds: '1750000042', nanos: 0 } }), registry, policy);

    expect(decision).toEqual({
      type: 'JobQueued',
      data: {
        jobId: 'job-1',
        attempt: 1,
        reasons: [
          '1 provider without GPU class a100-80g',
          '2 providers without 8 free a100-80g',
          'needs 8 a100-80g on one provider, the largest free block is 4',
        ],
        rejections: [
          { reason: R.REJECTION_REASON_GPU_CLASS_MISMATCH, count: 1 },
          { reason: R.REJECTION_REASON_INSUFFICIENT_CAPACITY, count: 2 },
        ],
        policyVersion: policy.version,
        queuedAt: { seconds: '1750000042', nanos: 0 },
      },
    });
  });

  it('queues with "no provider is registered" on an empty registry', () => {
    const decision = placeJob(request(), given(), policy);
    expect(decision.type).toBe('JobQueued');
    expect(decision.type === 'JobQueued' && decision.data.reasons).toEqual(['no provider is registered']);
  });

  it('never chooses an excluded provider, even the best one', () => {
    const registry = given(registered('best', { latencyMs: 5, price: '100' }), registered('other', { latencyMs: 300 }));
    const job = placed(placeJob(request({ excludedProviderIds: ['best'] }), registry, policy));
    expect(job.providerId).toBe('other');
    expect(job.decision!.candidates.map((c) => c.providerId)).toEqual(['other']);
  });

  it('does not place on providers that are draining, suspect or lost', () => {
    const registry = given(
      registered('draining'),
      capacityChanged('draining', 8, 0, api.HealthStatus.HEALTH_STATUS_DRAINING),
      registered('suspect'),
      {
        type: 'ProviderHeartbeatMissed',
        data: { providerId: 'suspect', lastHeartbeatAt: undefined, missedCount: 2, detectedAt: undefined },
      },
    );
    const decision = placeJob(request(), registry, policy);
    expect(decision.type === 'JobQueued' && decision.data.rejections).toEqual([{ reason: R.REJECTION_REASON_UNHEALTHY, count: 2 }]);
  });

  it('breaks score ties with a hash of job id and provider id, differently per job', () => {
    const registry = given(registered('twin-a'), registered('twin-b'));
    const winners = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const jobId = `job-${i}`;
      const job = placed(placeJob(request({ jobId }), registry, policy));
      const expected = tieBreakKey(jobId, 'twin-a') <= tieBreakKey(jobId, 'twin-b') ? 'twin-a' : 'twin-b';
      expect(job.providerId).toBe(expected);
      winners.add(job.providerId);
    }
    expect([...winners].sort()).toEqual(['twin-a', 'twin-b']);
  });

  it('decides the same way every time for the same input', () => {
    const registry = given(
      ...['a', 'b', 'c', 'd', 'e'].map((id, i) =>
        registered(id, { latencyMs: 10 + 7 * i, price: String(1_000_000 + 313_000 * ((i * 3) % 5)) }),
      ),
      ...completedJobs('c', 4),
    );
    const first = placeJob(request({ tier: api.Tier.TIER_REALTIME }), registry, policy);
    const second = placeJob(request({ tier: api.Tier.TIER_REALTIME }), structuredClone(registry), policy);
    expect(second).toEqual(first);
  });

  it('records at most the policy limit of candidates, best first, and counts them all', () => {
    const registry = given(...Array.from({ length: 6 }, (_, i) => registered(`p${i}`, { latencyMs: 100 - i * 10 })));
    const job = placed(placeJob(request({ tier: api.Tier.TIER_REALTIME }), registry, { ...policy, recordedCandidatesLimit: 3 }));
    expect(job.decision!.candidates.map((c) => c.providerId)).toEqual(['p5', 'p4', 'p3']);
    // The walk stops once no unseen provider could make the list: those are counted, not examined.
    expect(job.decision!.candidatesTotal).toBeGreaterThanOrEqual(3);
    expect(job.decision!.candidatesTotal + job.decision!.providersNotExamined).toBe(6);
    expect(job.decision!.chosenScore).toEqual(job.decision!.candidates[0]!.score);
  });
});

function countBy(values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
}
