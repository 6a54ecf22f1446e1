import { describe, expect, it } from '@jest/globals';
import { api, consequencesOf, events, faultOf } from '@switchyard/contracts/messages';
import { CandidateIndex } from '../placement/candidate-index.js';
import { defaultPlacementPolicy as policy } from '../placement-policy.js';
import type { QueuedJob } from '../queue/job-queue.js';
import { evolveProviders } from '../registry/evolve-providers.js';
import { T0, at, classified, given, placedOn, registered, spec, submitted } from '../scenario.fixtures.js';
import { decideStranded, overdueStarts, reconcileRuns } from './patience.js';
import { requeueAfterFailure, requeueUnheld } from './requeue.js';

const F = events.Fault;
const C = api.FailureCategory;

/** A JobPlaced with a decision time (start timeouts and the reconciliation grace count from it). */
const placedAt = (jobId: string, providerId: string, seconds: number, attempt = 1) => {
  const event = placedOn(jobId, providerId, `op-${providerId}`, attempt);
  return {
    ...event,
    data: {
      ...event.data,
      decision: {
        policyVersion: 'p',
        tier: api.Tier.TIER_REALTIME,
        decidedAt: at(seconds),
        candidates: [],
        candidatesTotal: 0,
        rejections: [],
        chosenProviderId: providerId,
        chosenScore: undefined,
        excludedProviderIds: [],
        providersNotExamined: 0,
        inputBytes: '0',
      },
    },
  } as ReturnType<typeof placedOn>;
};

describe('failure categories', () => {
  it('decide whose fault a failure is, and so retry, exclusion, reputation and money', () => {
    const source = events.FailureSource.FAILURE_SOURCE_PROVIDER;
    expect([C.FAILURE_CATEGORY_WORKLOAD, C.FAILURE_CATEGORY_OUT_OF_MEMORY].map((c) => faultOf(c, source))).toEqual([
      F.FAULT_WORKLOAD,
      F.FAULT_WORKLOAD,
    ]);
    expect([C.FAILURE_CATEGORY_HARDWARE, C.FAILURE_CATEGORY_NETWORK, C.FAILURE_CATEGORY_INTERNAL].map((c) => faultOf(c, source))).toEqual([
      F.FAULT_PROVIDER,
      F.FAULT_PROVIDER,
      F.FAULT_PROVIDER,
    ]);
    expect(faultOf(C.FAILURE_CATEGORY_INTERNAL, events.FailureSource.FAILURE_SOURCE_SYSTEM)).toBe(F.FAULT_PLATFORM);
    expect(faultOf(C.FAILURE_CATEGORY_PREEMPTED, source)).toBe(F.FAULT_PREEMPTION);
    expect(faultOf(C.FAILURE_CATEGORY_TIMEOUT, source)).toBe(F.FAULT_TIMEOUT);
    expect(consequencesOf(F.FAULT_WORKLOAD)).toEqual({
      retry: false,
      exclude: false,
      reputation: false,
      chargeTenant: true,
      penalise: false,
    });
    expect(consequencesOf(F.FAULT_PROVIDER)).toEqual({ retry: true, exclude: true, reputation: true, chargeTenant: false, penalise: true });
    expect(consequencesOf(F.FAULT_PLATFORM)).toEqual({
      retry: true,
      exclude: false,
      reputation: false,
      chargeTenant: false,
      penalise: false,
    });
  });

  it('retry a preempted run elsewhere without excluding the provider, and fail the job on its own fault', () => {
    const registry = given(registered('p'), submitted('j'), classified('j', api.Tier.TIER_BATCH), placedOn('j', 'p'));
    const report = { jobId: 'j', providerId: 'p', attempt: 1, retryable: false, message: 'taken back', at: at(10) };
    const [preempted] = requeueAfterFailure({ ...report, category: C.FAILURE_CATEGORY_PREEMPTED }, registry, policy);
    expect(preempted).toMatchObject({ type: 'JobRequeued', data: { attempt: 2, fault: F.FAULT_PREEMPTION, excludedProviderIds: [] } });
    // The provider's own "not retryable" does not stop another provider from running it.
    const [hardware] = requeueAfterFailure({ ...report, category: C.FAILURE_CATEGORY_HARDWARE }, registry, policy);
    expect(hardware).toMatchObject({ type: 'JobRequeued', data: { fault: F.FAULT_PROVIDER, excludedProviderIds: ['p'] } });
    const [oom] = requeueAfterFailure({ ...report, category: C.FAILURE_CATEGORY_OUT_OF_MEMORY }, registry, policy);
    expect(oom).toMatchObject({
      type: 'JobFailed',
      data: { fault: F.FAULT_WORKLOAD, source: events.FailureSource.FAILURE_SOURCE_PROVIDER },
    });
    // Reputation pays for the provider's fault only.
    const after = (outcome: typeof hardware) =>
      evolveProviders(
        given(registered('p'), submitted('j'), classified('j', api.Tier.TIER_BATCH), placedOn('j', 'p')),
        outcome!,
      ).providers.get('p')!.track.failures;
    expect([after(hardware), after(preempted), after(oom)]).toEqual([1, 0, 0]);
  });
});

describe('start timeouts', () => {
  it("requeue an attempt its provider has not started within the tier's timeout, excluding it", () => {
    const registry = given(
      registered('p'),
      submitted('rt'),
      classified('rt', api.Tier.TIER_REALTIME),
      placedAt('rt', 'p', 10),
      submitted('b'),
      classified('b', api.Tier.TIER_BATCH),
      placedAt('b', 'p', 10),
    );
    const timeout = policy.patience.startTimeoutMs[api.Tier.TIER_REALTIME];
    expect(overdueStarts(registry.jobs.values(), T0 + 10_000 + timeout - 1, policy)).toEqual([]);
    // The REALTIME attempt is overdue first; the BATCH one has minutes.
    const overdue = overdueStarts(registry.jobs.values(), T0 + 10_000 + timeout, policy);
    expect(overdue.map((j) => j.jobId)).toEqual(['rt']);
    const outcome = requeueUnheld(overdue[0]!, 'start-timeout', at(40), policy);
    expect(outcome).toMatchObject({
      type: 'JobRequeued',
      data: { reason: events.RequeueReason.REQUEUE_REASON_START_TIMEOUT, fault: F.FAULT_TIMEOUT, excludedProviderIds: ['p'] },
    });
    // A started attempt never times out.
    const running = evolveProviders(registry, {
      type: 'JobStarted',
      data: { jobId: 'rt', attempt: 1, providerId: 'p', startedAt: at(11) },
    });
    expect(overdueStarts(running.jobs.values(), T0 + 3_600_000, policy).map((j) => j.jobId)).toEqual(['b']);
  });
});

describe('reconciliation with a provider', () => {
  const grace = policy.patience.notHeldGraceIntervals * policy.liveness.heartbeatIntervalMs;

  it('requeues what the provider does not hold past the grace, and tells it to stop what is not current', () => {
    const registry = given(
      registered('p'),
      submitted('held'),
      classified('held', api.Tier.TIER_BATCH),
      placedAt('held', 'p', 0),
      submitted('dropped'),
      classified('dropped', api.Tier.TIER_BATCH),
      placedAt('dropped', 'p', 0),
      submitted('fresh'),
      classified('fresh', api.Tier.TIER_BATCH),
      placedAt('fresh', 'p', 100),
    );
    const runs = [
      { jobId: 'held', attempt: 1 },
      { jobId: 'stale', attempt: 1 }, // never assigned to it
      { jobId: 'held', attempt: 7 }, // an attempt that is not current
    ];
    const { notHeld, notCurrent } = reconcileRuns(registry, 'p', runs, T0 + 100_000 + 1_000, policy);
    // "fresh" was placed a second ago: its assignment may not have arrived yet.
    expect(notHeld.map((j) => j.jobId)).toEqual(['dropped']);
    expect(notCurrent).toEqual([
      { jobId: 'stale', attempt: 1 },
      { jobId: 'held', attempt: 7 },
    ]);
    expect(reconcileRuns(registry, 'p', runs, T0 + 100_000 + grace + 1, policy).notHeld.map((j) => j.jobId)).toEqual(['dropped', 'fresh']);
    expect(requeueUnheld(notHeld[0]!, 'not-held', at(101), policy)).toMatchObject({
      type: 'JobRequeued',
      data: { reason: events.RequeueReason.REQUEUE_REASON_NOT_HELD, fault: F.FAULT_PROVIDER, excludedProviderIds: ['p'] },
    });
  });
});

describe('stranded jobs', () => {
  const queued = (registry: ReturnType<typeof given>, jobId: string): QueuedJob => registry.jobs.get(jobId) as QueuedJob;

  it('gives a job back the providers it was excluded from when only they could run it, after a while', () => {
    const registry = given(
      registered('only', { gpuClass: 'h100-80g' }),
      submitted('j', spec({ gpuClass: 'h100-80g' })),
      classified('j', api.Tier.TIER_BATCH),
      placedOn('j', 'only'),
      {
        type: 'JobRequeued',
        data: {
          jobId: 'j',
          attempt: 2,
          reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_FAILED,
          previousProviderId: 'only',
          excludedProviderIds: ['only'],
          requeuedAt: at(10),
          fault: F.FAULT_PROVIDER,
          category: C.FAILURE_CATEGORY_HARDWARE,
          message: '',
        },
      },
      { type: 'JobQueued', data: { jobId: 'j', attempt: 2, reasons: [], rejections: [], policyVersion: 'p', queuedAt: at(10) } },
    );
    const index = CandidateIndex.of(registry, policy);
    expect(
      decideStranded(queued(registry, 'j'), registry, index, policy, T0 + 10_000 + policy.patience.relaxExclusionAfterMs - 1),
    ).toBeUndefined();
    const relaxed = decideStranded(queued(registry, 'j'), registry, index, policy, T0 + 10_000 + policy.patience.relaxExclusionAfterMs);
    expect(relaxed).toMatchObject({ type: 'JobExclusionRelaxed', data: { jobId: 'j', attempt: 2, relaxedProviderIds: ['only'] } });
    const after = evolveProviders(registry, relaxed!);
    expect(after.jobs.get('j')!.excludedProviderIds).toEqual([]);
  });

  it('fails a job no registered provider could ever run, saying so; keeps waiting one that only lacks capacity', () => {
    const registry = given(
      registered('small', { vram: 24 }),
      submitted('big', spec({ minVramGib: 80 })),
      classified('big', api.Tier.TIER_BATCH),
      { type: 'JobQueued', data: { jobId: 'big', attempt: 1, reasons: [], rejections: [], policyVersion: 'p', queuedAt: at(0) } },
      registered('busy', { gpus: 1 }),
      submitted('filler', spec()),
      classified('filler', api.Tier.TIER_BATCH),
      placedOn('filler', 'busy'),
      submitted('waits', spec({ gpuCount: 1, allowedRegions: ['eu-west'] })),
      classified('waits', api.Tier.TIER_BATCH),
      { type: 'JobQueued', data: { jobId: 'waits', attempt: 1, reasons: [], rejections: [], policyVersion: 'p', queuedAt: at(0) } },
    );
    const index = CandidateIndex.of(registry, policy);
    const later = T0 + policy.patience.failUnplaceableAfterMs;
    // "busy" offers 80 GiB but is full: "big" could run there once it frees... unless nothing matches at all.
    const big = decideStranded(queued(registry, 'big'), registry, index, policy, later);
    expect(big).toBeUndefined();
    const lonely = given(
      registered('small', { vram: 24 }),
      submitted('big', spec({ minVramGib: 80 })),
      classified('big', api.Tier.TIER_BATCH),
      { type: 'JobQueued', data: { jobId: 'big', attempt: 1, reasons: [], rejections: [], policyVersion: 'p', queuedAt: at(0) } },
    );
    const failed = decideStranded(queued(lonely, 'big'), lonely, CandidateIndex.of(lonely, policy), policy, later);
    expect(failed).toMatchObject({
      type: 'JobFailed',
      data: { jobId: 'big', source: events.FailureSource.FAILURE_SOURCE_SYSTEM, fault: F.FAULT_WORKLOAD },
    });
    expect(failed!.type === 'JobFailed' && failed!.data.message).toMatch(/no registered provider can run it/);
    expect(decideStranded(queued(registry, 'waits'), registry, index, policy, later)).toBeUndefined();
  });
});
