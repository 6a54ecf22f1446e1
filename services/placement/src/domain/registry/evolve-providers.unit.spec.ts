import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts/messages';
import { defaultPlacementPolicy as policy } from '../placement-policy.js';
import { reputationBp } from '../reputation.js';
import { capacityChanged, classified, completed, given, lost, placedOn, registered, spec, submitted } from '../scenario.fixtures.js';
import { evolveProviders } from './evolve-providers.js';
import { freeGpus, operatorShareBp } from './provider-registry.js';

describe('evolveProviders', () => {
  it('takes GPUs on JobPlaced and gives them back when the job completes', () => {
    const placedTwo = given(
      registered('p', { gpus: 8 }),
      submitted('j', spec({ gpuCount: 2 })),
      classified('j', api.Tier.TIER_BATCH),
      placedOn('j', 'p'),
    );
    expect(freeGpus(placedTwo.providers.get('p')!, 'a100-80g')).toBe(6);
    expect(operatorShareBp(placedTwo, 'tenant-a', api.Tier.TIER_BATCH, 'op-p')).toBe(10_000);

    const done = evolveProviders(placedTwo, completed('j', 'p'));
    expect(freeGpus(done.providers.get('p')!, 'a100-80g')).toBe(8);
    expect(done.jobs.size).toBe(0);
    expect(done.holdings.size).toBe(0);
    expect(done.heldBy.size).toBe(0);
    expect(done.providers.get('p')!.track).toEqual({ completions: 1, failures: 0, losses: 0, misclaims: 0 });
  });

  it('ignores a redelivered JobPlaced for the attempt it already holds', () => {
    const once = given(registered('p'), submitted('j', spec({ gpuCount: 3 })), classified('j', api.Tier.TIER_STANDARD), placedOn('j', 'p'));
    const before = {
      free: freeGpus(once.providers.get('p')!, 'a100-80g'),
      share: operatorShareBp(once, 'tenant-a', api.Tier.TIER_STANDARD, 'op-p'),
    };
    const again = evolveProviders(once, placedOn('j', 'p'));
    expect(freeGpus(again.providers.get('p')!, 'a100-80g')).toBe(before.free);
    expect(before.free).toBe(5);
    expect(again.holdings.get('tenant-a|TIER_STANDARD')?.total).toBe(1);
  });

  it('trusts the larger of reported and placed use', () => {
    const registry = given(registered('p', { gpus: 8 }), capacityChanged('p', 8, 5, api.HealthStatus.HEALTH_STATUS_HEALTHY));
    expect(freeGpus(registry.providers.get('p')!, 'a100-80g')).toBe(3);
  });

  it('charges provider failures and losses to reputation, but not workload faults', () => {
    const failed = (jobId: string, category: api.FailureCategory): events.JobFailed => ({
      jobId,
      attempt: 1,
      providerId: 'p',
      category,
      retryable: false,
      source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
      message: '',
      failedAt: undefined,
      // Records written before faults were recorded: the legacy rule (category and source) applies.
      fault: events.Fault.FAULT_UNSPECIFIED,
    });
    const registry = given(
      registered('p'),
      submitted('oom'),
      classified('oom', api.Tier.TIER_STANDARD),
      placedOn('oom', 'p'),
      { type: 'JobFailed', data: failed('oom', api.FailureCategory.FAILURE_CATEGORY_HARDWARE) },
      submitted('bad-input'),
      classified('bad-input', api.Tier.TIER_STANDARD),
      placedOn('bad-input', 'p'),
      { type: 'JobFailed', data: failed('bad-input', api.FailureCategory.FAILURE_CATEGORY_WORKLOAD) },
      lost('p'),
    );
    const provider = registry.providers.get('p')!;
    expect(provider.track).toEqual({ completions: 0, failures: 1, losses: 1, misclaims: 0 });
    expect(provider.status).toBe('LOST');
    // (0 + 10 × 8000) / (0 + 1 + 3 × 1 + 10)
    expect(reputationBp(provider, policy.reputation)).toBe(5714);
  });

  it('keeps the track record and placements across re-registration', () => {
    const registry = given(
      registered('p'),
      lost('p'),
      submitted('j'),
      classified('j', api.Tier.TIER_BATCH),
      registered('p', { price: '1' }),
      placedOn('j', 'p'),
    );
    const provider = registry.providers.get('p')!;
    expect([provider.status, provider.track.losses, provider.pricePerGpuHour, provider.placedGpusByClass]).toEqual([
      'ACTIVE',
      1,
      1n,
      { 'a100-80g': 1 },
    ]);
  });

  it('scores a DEGRADED provider lower through its reputation', () => {
    const registry = given(registered('p'), capacityChanged('p', 8, 0, api.HealthStatus.HEALTH_STATUS_DEGRADED));
    expect(reputationBp(registry.providers.get('p')!, policy.reputation)).toBe(6000);
  });
});
