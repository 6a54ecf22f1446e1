import { beforeEach, describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts/messages';
import { placeJob } from '../placement/place-job.js';
import { defaultPlacementPolicy as policy } from '../placement-policy.js';
import { evolveProviders } from '../registry/evolve-providers.js';
import type { ProviderRegistry } from '../registry/provider-registry.js';
import { waitingJobs } from '../queue/job-queue.js';
import { at, classified, given, placedOn, registered, spec, submitted } from '../scenario.fixtures.js';
import { detectLostProviders, type LivenessEvent } from './detect-lost-providers.js';
import { requeueAfterFailure, requeueAfterLoss } from './requeue.js';

// Default liveness: heartbeat every 10 s, SUSPECT after 2 missed intervals, LOST after 6.
const fold = (registry: ProviderRegistry, happened: LivenessEvent[]) => happened.reduce(evolveProviders, registry);

describe('liveness', () => {
  // The fold changes a registry in place: every test starts from a fresh one.
  let fleet: ProviderRegistry;
  beforeEach(() => {
    fleet = given(
      registered('near', { latencyMs: 10 }),
      registered('far', { latencyMs: 120 }),
      submitted('j1', spec()),
      classified('j1', api.Tier.TIER_REALTIME),
      placedOn('j1', 'near'),
      { type: 'JobStarted', data: { jobId: 'j1', attempt: 1, providerId: 'near', startedAt: at(5) } },
      submitted('j2', spec()),
      classified('j2', api.Tier.TIER_REALTIME),
      placedOn('j2', 'far'),
    );
  });
  const farBeats = (registry: ProviderRegistry, seconds: number) =>
    evolveProviders(registry, {
      type: 'ProviderCapacityChanged',
      data: {
        providerId: 'far',
        totalGpus: 8,
        gpusInUse: 1,
        health: api.HealthStatus.HEALTH_STATUS_HEALTHY,
        heartbeatSequence: String(seconds),
        changedAt: at(seconds),
        addedDigests: [],
        evictedDigests: [],
      },
    });

  it('marks a provider SUSPECT after missed heartbeats, once per new missed count', () => {
    const registry = farBeats(fleet, 20);
    const missed = detectLostProviders(registry, at(25), policy);
    expect(missed).toEqual([
      { type: 'ProviderHeartbeatMissed', data: { providerId: 'near', lastHeartbeatAt: at(0), missedCount: 2, detectedAt: at(25) } },
    ]);
    const suspect = fold(registry, missed);
    expect(suspect.providers.get('near')!.status).toBe('SUSPECT');
    expect(detectLostProviders(suspect, at(29), policy)).toEqual([]);
  });

  it('declares a provider LOST with the jobs placed or running there', () => {
    const registry = farBeats(fleet, 55);
    expect(detectLostProviders(registry, at(60), policy)).toEqual([
      { type: 'ProviderLost', data: { providerId: 'near', lastHeartbeatAt: at(0), jobIds: ['j1'], lostAt: at(60) } },
    ]);
  });

  it("requeues the lost provider's jobs excluding it, and the next placement lands elsewhere", () => {
    const [loss] = detectLostProviders(farBeats(fleet, 55), at(60), policy);
    if (loss?.type !== 'ProviderLost') throw new Error('expected a loss');
    const afterLoss = fold(farBeats(fleet, 55), [loss]);

    const outcomes = requeueAfterLoss(loss.data, afterLoss, policy);

    expect(outcomes).toEqual([
      {
        type: 'JobRequeued',
        data: {
          jobId: 'j1',
          attempt: 2,
          reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST,
          previousProviderId: 'near',
          excludedProviderIds: ['near'],
          requeuedAt: at(60),
          fault: events.Fault.FAULT_PROVIDER,
          category: api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
          message: 'provider near was lost',
        },
      },
    ]);
    const requeued = outcomes.reduce(evolveProviders, afterLoss);
    // The lost provider comes back at once: exclusion, not status, keeps the job away from it.
    const back = evolveProviders(requeued, registered('near', { latencyMs: 10, at: 61 }));
    const [waiting] = waitingJobs(back);
    const decision = placeJob({ ...waiting!, excludedProviderIds: waiting!.excludedProviderIds, at: at(61) }, back, policy);
    expect(decision.type === 'JobPlaced' && [decision.data.providerId, decision.data.attempt]).toEqual(['far', 2]);
  });

  it('fails the job when the lost attempt was its last', () => {
    const lastAttempt = given(
      registered('p'),
      submitted('j'),
      classified('j', api.Tier.TIER_BATCH),
      placedOn('j', 'p', 'op-p', policy.maxAttempts),
    );
    const outcomes = requeueAfterLoss({ providerId: 'p', lastHeartbeatAt: at(0), jobIds: ['j'], lostAt: at(60) }, lastAttempt, policy);
    expect(outcomes).toEqual([
      {
        type: 'JobFailed',
        data: {
          jobId: 'j',
          attempt: 3,
          providerId: 'p',
          category: api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
          retryable: false,
          source: events.FailureSource.FAILURE_SOURCE_SYSTEM,
          message: 'provider p was lost; attempt 3 of 3, attempts exhausted',
          failedAt: at(60),
          fault: events.Fault.FAULT_PROVIDER,
        },
      },
    ]);
  });

  it('recovers a lost provider whose heartbeats are fresh again', () => {
    const lostNear = fold(fleet, detectLostProviders(fleet, at(60), policy));
    expect(lostNear.providers.get('near')!.status).toBe('LOST');
    const beating = evolveProviders(lostNear, {
      type: 'ProviderCapacityChanged',
      data: {
        providerId: 'near',
        totalGpus: 8,
        gpusInUse: 0,
        health: api.HealthStatus.HEALTH_STATUS_HEALTHY,
        heartbeatSequence: '9',
        changedAt: at(70),
        addedDigests: [],
        evictedDigests: [],
      },
    });
    expect(detectLostProviders(beating, at(72), policy).filter((e) => e.type === 'ProviderRecovered')).toEqual([
      { type: 'ProviderRecovered', data: { providerId: 'near', recoveredAt: at(72) } },
    ]);
  });

  it('requeues a retryable provider failure and fails a workload fault', () => {
    const report = { jobId: 'j1', providerId: 'near', attempt: 1, retryable: true, message: 'ECC error', at: at(30) };
    const retry = requeueAfterFailure({ ...report, category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE }, fleet, policy);
    expect(retry.map((o) => o.type)).toEqual(['JobRequeued']);
    const workload = requeueAfterFailure({ ...report, category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD }, fleet, policy);
    expect(workload.map((o) => [o.type, o.type === 'JobFailed' && o.data.source])).toEqual([
      ['JobFailed', events.FailureSource.FAILURE_SOURCE_PROVIDER],
    ]);
    expect(requeueAfterFailure({ ...report, attempt: 2, category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE }, fleet, policy)).toEqual(
      [],
    );
  });
});
