// The jobs-topic projection and WatchJob, on both event-log backends: events appended to the
// topic by the test (as the classifier and placement would) reach GetJob and live WatchJob
// streams; a stream resumes from a cursor and ends at a terminal state; a redelivered event is
// applied once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { api, events } from '@switchyard/contracts';
import { call, eventually, startIntakeFixture, TENANTS, validSpec, type Backend, type IntakeFixture } from './support/intake-fixture.js';

/** A WatchJob call whose updates can be awaited one by one. */
class Watch {
  readonly updates: api.WatchJobResponse[] = [];
  ended = false;
  error: ServiceError | undefined;

  constructor(readonly stream: ClientReadableStream<api.WatchJobResponse>) {
    stream.on('data', (update: api.WatchJobResponse) => this.updates.push(update));
    stream.on('end', () => (this.ended = true));
    stream.on('error', (error: ServiceError) => (this.error = error));
  }

  async until(count: number): Promise<api.WatchJobResponse[]> {
    await eventually(() => {
      if (this.error && this.error.code !== status.CANCELLED) throw this.error;
      if (this.updates.length < count) throw new Error(`${this.updates.length} of ${count} updates so far`);
    });
    return this.updates.slice(0, count);
  }

  async ends(): Promise<void> {
    await eventually(() => {
      if (!this.ended) throw new Error('stream still open');
    });
  }
}

describe.each<Backend>(['kafka', 'postgres'])('job projection and WatchJob on the %s event log', (backend) => {
  let fx: IntakeFixture;
  let acme: api.JobServiceClient;

  beforeAll(async () => {
    fx = await startIntakeFixture(backend);
    acme = fx.client('acme');
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  }, 30_000);

  const submit = async (key: string): Promise<api.Job> =>
    (await call(acme, 'submitJob', api.SubmitJobRequest.fromPartial({ spec: validSpec(), idempotencyKey: key }))).job!;
  const watch = (jobId: string, resumeCursor = ''): Watch => new Watch(acme.watchJob({ jobId, resumeCursor }));

  const classified = (jobId: string): events.JobEvent => ({
    jobClassified: {
      jobId,
      tier: api.Tier.TIER_REALTIME,
      policyVersion: 'v7',
      matchedRuleId: 'interactive',
      reasons: ['kind=INFERENCE'],
      classifiedAt: undefined,
    },
  });
  const placed = (jobId: string, providerId: string, attempt = 1): events.JobEvent => ({
    jobPlaced: { jobId, providerId, operatorId: 'op-1', attempt, decision: undefined, gangMembers: [] },
  });
  const started = (jobId: string, providerId: string): events.JobEvent => ({
    jobStarted: { jobId, attempt: 1, providerId, startedAt: undefined },
  });

  it('streams the lifecycle live, job snapshot per step, and ends at COMPLETED', async () => {
    const job = await submit('watch-live');
    const live = watch(job.id);
    const [first] = await live.until(1);
    expect(first).toMatchObject({ eventType: 'JobSubmitted', job: { id: job.id, state: api.JobState.JOB_STATE_SUBMITTED } });

    await fx.append(classified(job.id));
    await fx.append(placed(job.id, 'provider-eu-1'));
    await fx.append(started(job.id, 'provider-eu-1'));
    await fx.append({
      jobCompleted: { jobId: job.id, attempt: 1, providerId: 'provider-eu-1', resultHash: 'sha256:feed', completedAt: undefined },
    });
    await live.ends();

    expect(live.updates.map((u) => [u.eventType, u.job!.state])).toEqual([
      ['JobSubmitted', api.JobState.JOB_STATE_SUBMITTED],
      ['JobClassified', api.JobState.JOB_STATE_CLASSIFIED],
      ['JobPlaced', api.JobState.JOB_STATE_PLACED],
      ['JobStarted', api.JobState.JOB_STATE_RUNNING],
      ['JobCompleted', api.JobState.JOB_STATE_COMPLETED],
    ]);
    expect(live.updates[1]!.job).toMatchObject({ tier: api.Tier.TIER_REALTIME });
    expect(live.updates[1]!.detail).toContain('interactive');
    expect(live.updates[4]!.job).toMatchObject({
      placement: { providerId: 'provider-eu-1', attempt: 1 },
      attempts: 1,
      resultHash: 'sha256:feed',
    });
    expect(new Set(live.updates.map((u) => u.cursor)).size).toBe(5);

    const { job: stored } = await call(acme, 'getJob', { jobId: job.id });
    expect(stored).toEqual(live.updates[4]!.job);
  }, 60_000);

  it('resumes after the last update received, and replays a finished job then ends', async () => {
    const job = await submit('watch-resume');
    await fx.append(classified(job.id));
    const firstWatch = watch(job.id);
    const seen = await firstWatch.until(2);
    firstWatch.stream.cancel();

    await fx.append(placed(job.id, 'provider-us-1'));
    await fx.append({
      jobFailed: {
        jobId: job.id,
        attempt: 1,
        providerId: 'provider-us-1',
        category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD,
        retryable: false,
        source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
        message: 'model crashed',
        failedAt: undefined,
        fault: events.Fault.FAULT_WORKLOAD,
      },
    });
    const resumed = watch(job.id, seen[1]!.cursor);
    await resumed.ends();
    expect(resumed.updates.map((u) => u.eventType)).toEqual(['JobPlaced', 'JobFailed']);
    expect(resumed.updates[1]!.job).toMatchObject({ state: api.JobState.JOB_STATE_FAILED, failureMessage: 'model crashed' });

    const afterEnd = watch(job.id, resumed.updates[1]!.cursor);
    await afterEnd.ends();
    expect(afterEnd.updates).toEqual([]);
    const replay = watch(job.id);
    await replay.ends();
    expect(replay.updates.map((u) => u.eventType)).toEqual(['JobSubmitted', 'JobClassified', 'JobPlaced', 'JobFailed']);
  }, 60_000);

  it('applies a redelivered event once', async () => {
    const job = await submit('redelivered');
    const event = await fx.append(classified(job.id));
    await fx.log.append(fx.jobsTopic, [event]);
    await fx.append(placed(job.id, 'provider-eu-2'));
    await eventually(async () => {
      expect((await call(acme, 'getJob', { jobId: job.id })).job!.state).toBe(api.JobState.JOB_STATE_PLACED);
    });
    const { rows } = await fx.db.query('SELECT event_type FROM job_history WHERE job_id = $1 ORDER BY seq', [job.id]);
    expect(rows.map((r: { event_type: string }) => r.event_type)).toEqual(['JobSubmitted', 'JobClassified', 'JobPlaced']);
  }, 60_000);

  it('a requeued job loses its provider until placed again, and counts attempts', async () => {
    const job = await submit('requeued');
    await fx.append(classified(job.id));
    await fx.append(placed(job.id, 'provider-lost'));
    await fx.append({
      jobRequeued: {
        jobId: job.id,
        attempt: 2,
        reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST,
        previousProviderId: 'provider-lost',
        excludedProviderIds: ['provider-lost'],
        requeuedAt: undefined,
        fault: events.Fault.FAULT_PROVIDER,
        category: api.FailureCategory.FAILURE_CATEGORY_UNSPECIFIED,
        message: '',
      },
    });
    await eventually(async () => {
      expect((await call(acme, 'getJob', { jobId: job.id })).job).toMatchObject({
        state: api.JobState.JOB_STATE_REQUEUED,
        placement: undefined,
      });
    });
    await fx.append(placed(job.id, 'provider-ok', 2));
    await eventually(async () => {
      expect((await call(acme, 'getJob', { jobId: job.id })).job).toMatchObject({
        state: api.JobState.JOB_STATE_PLACED,
        attempts: 2,
        placement: { providerId: 'provider-ok' },
      });
    });
  }, 60_000);

  it('a cancel request shows in the stream; JobCancelled from placement ends it', async () => {
    const job = await submit('watch-cancel');
    const live = watch(job.id);
    await live.until(1);
    await call(acme, 'cancelJob', { jobId: job.id, reason: 'budget' });
    const updates = await live.until(2);
    expect(updates[1]).toMatchObject({
      eventType: 'JobCancelRequested',
      detail: 'budget',
      job: { cancelRequested: true, state: api.JobState.JOB_STATE_SUBMITTED },
    });
    await fx.append({ jobCancelled: { jobId: job.id, attempt: 0, providerId: '', reason: 'budget', cancelledAt: undefined } });
    await live.ends();
    expect(live.updates.map((u) => u.eventType)).toEqual(['JobSubmitted', 'JobCancelRequested', 'JobCancelled']);
  }, 60_000);

  it('moves past an event type it does not know, and dead-letters a payload it cannot read', async () => {
    const job = await submit('unknown-types');
    const base = { source: '/switchyard/future', subject: job.id, time: new Date().toISOString() };
    await fx.log.append(fx.jobsTopic, [
      { ...base, id: `teleported-${job.id}`, type: 'switchyard.events.v1.JobTeleported', data: { jobId: job.id } },
      { ...base, id: `garbled-${job.id}`, type: 'switchyard.events.v1.JobQueued', data: 'not an object' },
    ]);
    await fx.append(classified(job.id));
    await eventually(async () => {
      expect((await call(acme, 'getJob', { jobId: job.id })).job!.state).toBe(api.JobState.JOB_STATE_CLASSIFIED);
    });
    const { rows } = await fx.db.query('SELECT event_type FROM job_history WHERE job_id = $1 ORDER BY seq', [job.id]);
    expect(rows.map((r: { event_type: string }) => r.event_type)).toEqual(['JobSubmitted', 'JobClassified']);
    const deadLetters: string[] = [];
    for await (const letter of fx.log.read({ topic: `${fx.jobsTopic}-dlt` })) deadLetters.push(letter.envelope.subject);
    expect(deadLetters).toEqual([job.id]);
  }, 60_000);

  const usageMetered = (jobId: string, usageId: string, charge = '1800'): events.UsageEvent => ({
    usageMetered: events.UsageMetered.fromPartial({
      usageId,
      jobId,
      attempt: 1,
      reportId: `report-${usageId}`,
      tenantId: 'acme',
      providerId: 'provider-eu-1',
      tier: api.Tier.TIER_REALTIME,
      gpuClass: 'a100-80g',
      tenantChargeBaseUnits: charge,
      providerEarningBaseUnits: '1700',
      protocolFeeBaseUnits: '100',
    }),
  });
  const usagePosted = (usageId: string, postingId = `posting-${usageId}`): events.LedgerEvent => ({
    postingRecorded: events.PostingRecorded.fromPartial({
      postingId,
      sourceId: usageId,
      kind: events.PostingKind.POSTING_KIND_USAGE,
      entries: [],
    }),
  });
  const settlementOf = async (jobId: string): Promise<api.SettlementState> => (await call(acme, 'getJob', { jobId })).job!.settlementState;
  const settlesTo = (jobId: string, state: api.SettlementState): Promise<void> =>
    eventually(async () => expect(await settlementOf(jobId)).toBe(state));
  const completed = (jobId: string): events.JobEvent => ({
    jobCompleted: { jobId, attempt: 1, providerId: 'provider-eu-1', resultHash: 'sha256:beef', completedAt: undefined },
  });

  it('settlement moves PENDING -> METERED -> SETTLED from the usage and ledger topics, in GetJob, ListJobs and WatchJob', async () => {
    const job = await submit('settles');
    await fx.append(classified(job.id));
    await fx.append(placed(job.id, 'provider-eu-1'));
    await fx.append(started(job.id, 'provider-eu-1'));
    const live = watch(job.id);
    await fx.append(completed(job.id));
    await settlesTo(job.id, api.SettlementState.SETTLEMENT_STATE_PENDING);

    await fx.appendUsage(usageMetered(job.id, `u-${job.id}`));
    await settlesTo(job.id, api.SettlementState.SETTLEMENT_STATE_METERED);
    const listed = await call(acme, 'listJobs', api.ListJobsRequest.fromPartial({ states: [api.JobState.JOB_STATE_COMPLETED] }));
    expect(listed.jobs.find((j) => j.id === job.id)?.settlementState).toBe(api.SettlementState.SETTLEMENT_STATE_METERED);

    // A payout posting (not a usage record) and a redelivered UsageMetered change nothing.
    await fx.appendLedger(
      {
        postingRecorded: events.PostingRecorded.fromPartial({
          postingId: 'payout-1',
          sourceId: `u-${job.id}`,
          kind: events.PostingKind.POSTING_KIND_PAYOUT,
        }),
      },
      'payout-1',
    );
    await fx.appendUsage(usageMetered(job.id, `u-${job.id}`));
    await fx.appendLedger(usagePosted(`u-${job.id}`), `posting-u-${job.id}`);
    await settlesTo(job.id, api.SettlementState.SETTLEMENT_STATE_SETTLED);

    // The stream stayed open past COMPLETED for the settlement, and ended once SETTLED.
    await live.ends();
    expect(live.updates.map((u) => [u.eventType, u.job!.state, u.job!.settlementState])).toEqual([
      ['JobSubmitted', api.JobState.JOB_STATE_SUBMITTED, api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED],
      ['JobClassified', api.JobState.JOB_STATE_CLASSIFIED, api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED],
      ['JobPlaced', api.JobState.JOB_STATE_PLACED, api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED],
      ['JobStarted', api.JobState.JOB_STATE_RUNNING, api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED],
      ['JobCompleted', api.JobState.JOB_STATE_COMPLETED, api.SettlementState.SETTLEMENT_STATE_PENDING],
      ['UsageMetered', api.JobState.JOB_STATE_COMPLETED, api.SettlementState.SETTLEMENT_STATE_METERED],
      ['PostingRecorded', api.JobState.JOB_STATE_COMPLETED, api.SettlementState.SETTLEMENT_STATE_SETTLED],
    ]);
    expect(live.updates[5]!.detail).toBe(`usage u-${job.id} of attempt 1 metered: charge 1800 base units`);
  }, 60_000);

  it('settles whichever arrives first: the posting before its UsageMetered, both before the job ends', async () => {
    const early = await submit('settles-early');
    await fx.append(classified(early.id));
    await fx.append(placed(early.id, 'provider-eu-1'));
    await fx.append(started(early.id, 'provider-eu-1'));
    await fx.appendLedger(usagePosted(`u-${early.id}`), `posting-u-${early.id}`);
    await fx.appendUsage(usageMetered(early.id, `u-${early.id}`));
    await eventually(async () => {
      const { rows } = await fx.db.query('SELECT metered, posted FROM job_usage WHERE usage_id = $1', [`u-${early.id}`]);
      expect(rows).toEqual([{ metered: true, posted: true }]);
    });
    // Still running: nothing to show yet.
    expect(await settlementOf(early.id)).toBe(api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED);
    await fx.append(completed(early.id));
    await settlesTo(early.id, api.SettlementState.SETTLEMENT_STATE_SETTLED);
  }, 60_000);

  it('GetJob shows why a queued job waits; placing it clears the reasons', async () => {
    const job = await submit('queued-reasons');
    await fx.append(classified(job.id));
    const queuedAt = new Date('2026-12-01T10:00:00Z');
    await fx.append({
      jobQueued: {
        jobId: job.id,
        attempt: 1,
        reasons: ['no provider with a free h100-80g'],
        rejections: [{ reason: events.RejectionReason.REJECTION_REASON_GPU_CLASS_MISMATCH, count: 6 }],
        policyVersion: 'placement-test',
        queuedAt: { seconds: String(queuedAt.getTime() / 1000), nanos: 0 },
      },
    });
    const queued = await eventually(async () => {
      const { job: got } = await call(acme, 'getJob', { jobId: job.id });
      expect(got!.state).toBe(api.JobState.JOB_STATE_QUEUED);
      return got!;
    });
    expect(queued.queue).toEqual({
      reasons: ['no provider with a free h100-80g'],
      rejections: { REJECTION_REASON_GPU_CLASS_MISMATCH: 6 },
      queuedSince: { seconds: String(queuedAt.getTime() / 1000), nanos: 0 },
      lastCheckedAt: { seconds: String(queuedAt.getTime() / 1000), nanos: 0 },
    });
    await fx.append(placed(job.id, 'provider-eu-3'));
    await eventually(async () => {
      const { job: got } = await call(acme, 'getJob', { jobId: job.id });
      expect(got!.state).toBe(api.JobState.JOB_STATE_PLACED);
      expect(got!.queue).toBeUndefined();
    });
  }, 60_000);

  it("answers WatchJob for another tenant's job with NOT_FOUND, and a forged cursor with INVALID_ARGUMENT", async () => {
    const job = await submit('watch-private');
    const other = fx.client('globex');
    const foreign = new Watch(other.watchJob({ jobId: job.id, resumeCursor: '' }));
    await eventually(() => expect(foreign.error?.code).toBe(status.NOT_FOUND));
    const forged = watch(job.id, 'bm90LWEtY3Vyc29y');
    await eventually(() => expect(forged.error?.code).toBe(status.INVALID_ARGUMENT));
  });

  it('accepts the API key as x-api-key too', async () => {
    const anonymous = fx.anonymousClient();
    const metadata = new Metadata();
    metadata.set('x-api-key', TENANTS.acme.key);
    const job = await submit('x-api-key');
    const response = await new Promise<api.GetJobResponse>((resolve, reject) =>
      anonymous.getJob({ jobId: job.id }, metadata, (error, value) => (error ? reject(error) : resolve(value))),
    );
    expect(response.job!.id).toBe(job.id);
  });
});
