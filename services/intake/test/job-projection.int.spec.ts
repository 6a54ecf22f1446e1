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
    jobClassified: { jobId, tier: api.Tier.TIER_REALTIME, policyVersion: 'v7', matchedRuleId: 'interactive', reasons: ['kind=INFERENCE'], classifiedAt: undefined },
  });
  const placed = (jobId: string, providerId: string, attempt = 1): events.JobEvent => ({
    jobPlaced: { jobId, providerId, operatorId: 'op-1', attempt, decision: undefined },
  });
  const started = (jobId: string, providerId: string): events.JobEvent => ({ jobStarted: { jobId, attempt: 1, providerId, startedAt: undefined } });

  it('streams the lifecycle live, job snapshot per step, and ends at COMPLETED', async () => {
    const job = await submit('watch-live');
    const live = watch(job.id);
    const [first] = await live.until(1);
    expect(first).toMatchObject({ eventType: 'JobSubmitted', job: { id: job.id, state: api.JobState.JOB_STATE_SUBMITTED } });

    await fx.append(classified(job.id));
    await fx.append(placed(job.id, 'provider-eu-1'));
    await fx.append(started(job.id, 'provider-eu-1'));
    await fx.append({ jobCompleted: { jobId: job.id, attempt: 1, providerId: 'provider-eu-1', resultHash: 'sha256:feed', completedAt: undefined } });
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
    expect(live.updates[4]!.job).toMatchObject({ placement: { providerId: 'provider-eu-1', attempt: 1 }, attempts: 1, resultHash: 'sha256:feed' });
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
      jobFailed: { jobId: job.id, attempt: 1, providerId: 'provider-us-1', category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD, retryable: false, source: events.FailureSource.FAILURE_SOURCE_PROVIDER, message: 'model crashed', failedAt: undefined, fault: events.Fault.FAULT_WORKLOAD },
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
      jobRequeued: { jobId: job.id, attempt: 2, reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST, previousProviderId: 'provider-lost', excludedProviderIds: ['provider-lost'], requeuedAt: undefined, fault: events.Fault.FAULT_PROVIDER, category: api.FailureCategory.FAILURE_CATEGORY_UNSPECIFIED, message: '' },
    });
    await eventually(async () => {
      expect((await call(acme, 'getJob', { jobId: job.id })).job).toMatchObject({ state: api.JobState.JOB_STATE_REQUEUED, placement: undefined });
    });
    await fx.append(placed(job.id, 'provider-ok', 2));
    await eventually(async () => {
      expect((await call(acme, 'getJob', { jobId: job.id })).job).toMatchObject({ state: api.JobState.JOB_STATE_PLACED, attempts: 2, placement: { providerId: 'provider-ok' } });
    });
  }, 60_000);

  it('a cancel request shows in the stream; JobCancelled from placement ends it', async () => {
    const job = await submit('watch-cancel');
    const live = watch(job.id);
    await live.until(1);
    await call(acme, 'cancelJob', { jobId: job.id, reason: 'budget' });
    const updates = await live.until(2);
    expect(updates[1]).toMatchObject({ eventType: 'JobCancelRequested', detail: 'budget', job: { cancelRequested: true, state: api.JobState.JOB_STATE_SUBMITTED } });
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
