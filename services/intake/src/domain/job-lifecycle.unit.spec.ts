import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts/messages';
import { decideCancelJob } from './cancel-job.js';
import type { JobEvent } from './job-event.js';
import { evolveJob, jobFromSubmission } from './job-lifecycle.js';
import { atRest, evolveSettlement, settlementStateOf, type UsageFact, type UsageTally } from './settlement.js';
import { validSpec } from './job-spec.fixtures.js';

const at = (seconds: number): api.Timestamp => ({ seconds: String(seconds), nanos: 0 });

const submitted: events.JobSubmitted = {
  jobId: 'job-1',
  tenantId: 'acme',
  tenantPlan: 'enterprise',
  spec: validSpec(),
  idempotencyKey: 'order-42',
  quote: undefined,
  submittedAt: at(100),
};

/** Folds events into the job; fails the test if one is ignored. */
function given(...steps: JobEvent[]): api.Job {
  return steps.reduce((job, event, i) => {
    const result = evolveJob(job, event, at(200 + i));
    if (result.kind !== 'applied') throw new Error(`${event.type} ignored: ${result.reason}`);
    return result.job;
  }, jobFromSubmission(submitted));
}

const classified: JobEvent = {
  type: 'JobClassified',
  payload: {
    jobId: 'job-1',
    tier: api.Tier.TIER_REALTIME,
    policyVersion: 'v3',
    matchedRuleId: 'interactive',
    reasons: ['kind=INFERENCE'],
    classifiedAt: at(150),
  },
};
const placed = (attempt: number, providerId: string): JobEvent => ({
  type: 'JobPlaced',
  payload: { jobId: 'job-1', providerId, operatorId: 'op-1', attempt, decision: undefined, gangMembers: [] },
});
const started: JobEvent = { type: 'JobStarted', payload: { jobId: 'job-1', attempt: 2, providerId: 'p-2', startedAt: at(300) } };
const completed: JobEvent = {
  type: 'JobCompleted',
  payload: { jobId: 'job-1', attempt: 2, providerId: 'p-2', resultHash: 'sha256:ab', completedAt: at(400) },
};
const requeued: JobEvent = {
  type: 'JobRequeued',
  payload: {
    jobId: 'job-1',
    attempt: 2,
    reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST,
    previousProviderId: 'p-1',
    excludedProviderIds: ['p-1'],
    requeuedAt: at(250),
    fault: events.Fault.FAULT_PROVIDER,
    category: api.FailureCategory.FAILURE_CATEGORY_UNSPECIFIED,
    message: '',
  },
};
const cancelRequested: JobEvent = {
  type: 'JobCancelRequested',
  payload: { jobId: 'job-1', reason: 'no longer needed', requestedAt: at(260) },
};

describe('the job lifecycle fold', () => {
  it('a new job is SUBMITTED, unclassified, with no attempts', () => {
    expect(jobFromSubmission(submitted)).toMatchObject({
      id: 'job-1',
      state: api.JobState.JOB_STATE_SUBMITTED,
      tier: api.Tier.TIER_UNSPECIFIED,
      attempts: 0,
    });
  });

  it('JobClassified sets the tier and the classification time from the event', () => {
    expect(given(classified)).toMatchObject({
      state: api.JobState.JOB_STATE_CLASSIFIED,
      tier: api.Tier.TIER_REALTIME,
      classifiedAt: at(150),
    });
  });

  it('placed, lost and placed again, started, completed: provider, attempts and result follow', () => {
    const job = given(classified, placed(1, 'p-1'), requeued, placed(2, 'p-2'), started, completed);
    expect(job).toMatchObject({
      state: api.JobState.JOB_STATE_COMPLETED,
      attempts: 2,
      placement: { providerId: 'p-2', attempt: 2 },
      resultHash: 'sha256:ab',
      startedAt: at(300),
      finishedAt: at(400),
      settlementState: api.SettlementState.SETTLEMENT_STATE_PENDING,
    });
  });

  it('JobPlaced takes the region and decision time from the decision record when it lists the chosen provider', () => {
    const decided: JobEvent = {
      type: 'JobPlaced',
      payload: {
        jobId: 'job-1',
        providerId: 'p-7',
        operatorId: 'op-2',
        attempt: 1,
        decision: events.DecisionRecord.fromPartial({
          decidedAt: at(180),
          chosenProviderId: 'p-7',
          candidates: [{ providerId: 'p-7', operatorId: 'op-2', factors: { region: 'eu-west' } }],
        }),
        gangMembers: [],
      },
    };
    expect(given(classified, decided).placement).toEqual({
      providerId: 'p-7',
      region: 'eu-west',
      attempt: 1,
      placedAt: at(180),
      gangMembers: [],
    });
  });

  it('a gang split over providers shows every member, the lead first', () => {
    const gangMembers = [
      { providerId: 'p-7', gpuCount: 4 },
      { providerId: 'p-8', gpuCount: 4 },
    ];
    const gang: JobEvent = {
      type: 'JobPlaced',
      payload: { jobId: 'job-1', providerId: 'p-7', operatorId: 'op-2', attempt: 1, decision: undefined, gangMembers },
    };
    expect(given(classified, gang).placement).toMatchObject({ providerId: 'p-7', gangMembers });
  });

  it('a requeued job has no placement until placed again', () => {
    expect(given(classified, placed(1, 'p-1'), requeued)).toMatchObject({
      state: api.JobState.JOB_STATE_REQUEUED,
      placement: undefined,
      attempts: 1,
    });
  });

  it('JobCancelRequested flags the job without changing its state; JobCancelled ends it', () => {
    expect(given(classified, cancelRequested)).toMatchObject({ state: api.JobState.JOB_STATE_CLASSIFIED, cancelRequested: true });
    const cancelled: JobEvent = {
      type: 'JobCancelled',
      payload: { jobId: 'job-1', attempt: 0, providerId: '', reason: 'tenant', cancelledAt: at(270) },
    };
    expect(given(classified, cancelRequested, cancelled)).toMatchObject({ state: api.JobState.JOB_STATE_CANCELLED, finishedAt: at(270) });
  });

  it('a terminal job ignores late events', () => {
    const job = given(classified, placed(1, 'p-1'), started, completed);
    expect(evolveJob(job, placed(3, 'p-9'), at(999))).toEqual({ kind: 'ignored', reason: 'the job is already JOB_STATE_COMPLETED' });
  });

  it('JobFailed records the category and message', () => {
    const failed: JobEvent = {
      type: 'JobFailed',
      payload: {
        jobId: 'job-1',
        attempt: 1,
        providerId: 'p-1',
        category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD,
        retryable: false,
        source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
        message: 'bad input',
        failedAt: at(500),
        fault: events.Fault.FAULT_WORKLOAD,
      },
    };
    expect(given(classified, placed(1, 'p-1'), failed)).toMatchObject({
      state: api.JobState.JOB_STATE_FAILED,
      failureCategory: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD,
      failureMessage: 'bad input',
      finishedAt: at(500),
    });
  });

  it('a queued job shows why it waits, since when and when placement last looked; leaving the queue clears it', () => {
    const queued = (seconds: number, reasons: string[]): JobEvent => ({
      type: 'JobQueued',
      payload: {
        jobId: 'job-1',
        attempt: 1,
        reasons,
        rejections: [
          { reason: events.RejectionReason.REJECTION_REASON_GPU_CLASS_MISMATCH, count: 4 },
          { reason: events.RejectionReason.REJECTION_REASON_INSUFFICIENT_CAPACITY, count: 2 },
        ],
        policyVersion: 'p1',
        queuedAt: at(seconds),
      },
    });
    const waiting = given(classified, queued(210, ['no free h100-80g']), queued(220, ['no free h100-80g', 'operator share cap']));
    expect(waiting.queue).toEqual({
      reasons: ['no free h100-80g', 'operator share cap'],
      rejections: { REJECTION_REASON_GPU_CLASS_MISMATCH: 4, REJECTION_REASON_INSUFFICIENT_CAPACITY: 2 },
      queuedSince: at(210),
      lastCheckedAt: at(220),
    });
    expect(given(classified, queued(210, ['no free h100-80g']), placed(1, 'p-1')).queue).toBeUndefined();
  });
});

describe('the settlement state', () => {
  const failedAfter = (...before: JobEvent[]): api.Job =>
    given(...before, {
      type: 'JobFailed',
      payload: {
        jobId: 'job-1',
        attempt: 1,
        providerId: 'p-1',
        category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
        retryable: false,
        source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
        message: 'gpu',
        failedAt: at(500),
        fault: events.Fault.FAULT_PROVIDER,
      },
    });
  const metered = (usageId: string): UsageFact => ({
    kind: 'metered',
    usageId,
    jobId: 'job-1',
    attempt: 1,
    chargeBaseUnits: '1200',
    waived: false,
  });

  it('is unset while the job runs, whatever its usage records say', () => {
    expect(settlementStateOf(given(classified, placed(1, 'p-1'), started), { metered: 1, posted: 1 })).toBe(
      api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED,
    );
  });

  it('moves PENDING -> METERED -> SETTLED as the usage is priced and posted', () => {
    const done = given(classified, placed(1, 'p-1'), started, completed);
    expect(done.settlementState).toBe(api.SettlementState.SETTLEMENT_STATE_PENDING);
    const priced = evolveSettlement(done, { metered: 1, posted: 0 }, metered('u-1'), at(600));
    expect(priced).toEqual({
      kind: 'applied',
      job: { ...done, settlementState: api.SettlementState.SETTLEMENT_STATE_METERED, updatedAt: at(600) },
      detail: 'usage u-1 of attempt 1 metered: charge 1200 base units',
    });
    const job = (priced as { job: api.Job }).job;
    const posted = evolveSettlement(job, { metered: 1, posted: 1 }, { kind: 'posted', usageId: 'u-1', postingId: 'post-1' }, at(601));
    expect(posted).toMatchObject({
      kind: 'applied',
      job: { settlementState: api.SettlementState.SETTLEMENT_STATE_SETTLED },
      detail: 'usage u-1 posted to the ledger (post-1)',
    });
  });

  it('a job that ends after its usage was priced and posted is SETTLED at once; one not all posted is METERED', () => {
    const run = [classified, placed(1, 'p-1'), started] as const;
    const ended = (usage: UsageTally) => {
      const job = given(...run);
      const result = evolveJob(job, completed, at(400), usage);
      return result.kind === 'applied' ? result.job.settlementState : result.reason;
    };
    expect(ended({ metered: 1, posted: 1 })).toBe(api.SettlementState.SETTLEMENT_STATE_SETTLED);
    expect(ended({ metered: 2, posted: 1 })).toBe(api.SettlementState.SETTLEMENT_STATE_METERED);
  });

  it('a second usage record priced before the first is posted changes nothing a tenant sees', () => {
    const job = {
      ...given(classified, placed(1, 'p-1'), started, completed),
      settlementState: api.SettlementState.SETTLEMENT_STATE_METERED,
    };
    expect(evolveSettlement(job, { metered: 2, posted: 0 }, metered('u-2'), at(700))).toEqual({
      kind: 'ignored',
      reason: 'the settlement stays SETTLEMENT_STATE_METERED',
    });
  });

  it('a job that failed after it ran waits for its usage; one that never ran, or was cancelled, has nothing to bill', () => {
    expect(failedAfter(classified, placed(1, 'p-1'), started).settlementState).toBe(api.SettlementState.SETTLEMENT_STATE_PENDING);
    expect(failedAfter(classified, placed(1, 'p-1')).settlementState).toBe(api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED);
    const cancelled: JobEvent = {
      type: 'JobCancelled',
      payload: { jobId: 'job-1', attempt: 1, providerId: 'p-1', reason: 'tenant', cancelledAt: at(270) },
    };
    expect(given(classified, placed(1, 'p-1'), started, cancelled).settlementState).toBe(api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED);
    // ... unless its run's usage was priced: then it settles like any other.
    expect(
      evolveSettlement(given(classified, placed(1, 'p-1'), started, cancelled), { metered: 1, posted: 0 }, metered('u-9'), at(800)),
    ).toMatchObject({
      kind: 'applied',
      job: { settlementState: api.SettlementState.SETTLEMENT_STATE_METERED },
    });
  });

  it('a watch is at rest once the job ended and nothing is left to settle', () => {
    const done = given(classified, placed(1, 'p-1'), started, completed);
    expect(atRest(done)).toBe(false);
    expect(atRest({ ...done, settlementState: api.SettlementState.SETTLEMENT_STATE_SETTLED })).toBe(true);
    expect(atRest(failedAfter(classified, placed(1, 'p-1')))).toBe(true);
    expect(atRest(given(classified))).toBe(false);
  });
});

describe('decideCancelJob', () => {
  it('requests cancellation of a live job', () => {
    expect(decideCancelJob(given(classified), 'stop', at(300))).toEqual({
      kind: 'requested',
      event: { jobId: 'job-1', reason: 'stop', requestedAt: at(300) },
    });
  });

  it('emits nothing when cancellation was already requested', () => {
    expect(decideCancelJob(given(classified, cancelRequested), 'stop', at(300))).toEqual({ kind: 'already-requested' });
  });

  it('refuses a job that already ended', () => {
    expect(decideCancelJob(given(classified, placed(1, 'p-1'), started, completed), 'stop', at(300))).toEqual({
      kind: 'terminal',
      state: api.JobState.JOB_STATE_COMPLETED,
    });
  });
});
