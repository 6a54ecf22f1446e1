// Attempt outcomes (JobRequeued, JobCompleted, JobFailed) in a run applied at once are judged as
// the same events one by one would judge them: against the job as folded up to the outcome
// (its placement earlier in the same run included), with the job's charges so far. The same
// penalties, postings and emitted events, in the same order: a REALTIME job completed late, one
// failed by its provider's fault, a requeue that abandons a job, a workload failure (no penalty),
// an outcome of a stale attempt, of an unknown job, and a second outcome of a judged attempt.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CallerDirectory } from '@switchyard/access';
import { api, events, faultOf, topicNames } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { databaseUrl, uniqueName } from '@switchyard/testing';
import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_PENALTY_POLICY } from '../src/domain/index.js';
import { FOLDED_JOB_EVENT_TYPES, JobsConsumer } from '../src/jobs.consumer.js';
import { payoutBatchHandling } from '../src/payout.js';
import { openPayoutDatabase } from '../src/persistence/payout-data-source.js';
import { UsageConsumer } from '../src/usage.consumer.js';
import { jobEvent, timestamp, usageMetered } from './support/payout-fixture.js';

const at = (minute: number, ms = 0): Date => new Date(Date.UTC(2026, 10, 4, 0, minute, 0, ms));
const logged = (envelope: EventEnvelope): LoggedEvent => ({ envelope }) as LoggedEvent;
const ev = (jobId: string, minute: number, event: object, id: string): LoggedEvent =>
  logged(jobEvent(jobId, at(minute, 7), event as never, id));
const submitted = (jobId: string, maxLatencyMs: number) =>
  ev(jobId, 0, { jobSubmitted: { jobId, tenantId: 'acme', spec: { maxLatencyMs } } }, `sub-${jobId}`);
const placed = (jobId: string, minute: number, providerId: string, attempt: number, tier: api.Tier = api.Tier.TIER_REALTIME) =>
  ev(
    jobId,
    minute,
    {
      jobPlaced: {
        jobId,
        providerId,
        operatorId: 'op-north',
        attempt,
        gangMembers: [],
        decision: { tier, decidedAt: timestamp(at(minute)) },
      },
    },
    `placed-${jobId}-${attempt}`,
  );
const started = (jobId: string, minute: number, attempt: number) =>
  ev(jobId, minute, { jobStarted: { jobId, attempt, startedAt: timestamp(at(minute)) } }, `started-${jobId}-${attempt}`);
const completed = (jobId: string, minute: number, providerId: string, attempt: number, id: string) =>
  ev(jobId, minute, { jobCompleted: { jobId, providerId, attempt, completedAt: timestamp(at(minute)) } }, id);
const failed = (jobId: string, minute: number, providerId: string, attempt: number, category: api.FailureCategory, id: string) =>
  ev(
    jobId,
    minute,
    {
      jobFailed: {
        jobId,
        providerId,
        attempt,
        source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
        category,
        fault: faultOf(category, events.FailureSource.FAILURE_SOURCE_PROVIDER),
        failedAt: timestamp(at(minute)),
      },
    },
    id,
  );
const requeued = (jobId: string, minute: number, previousProviderId: string, attempt: number, id: string) =>
  ev(
    jobId,
    minute,
    {
      jobRequeued: {
        jobId,
        previousProviderId,
        attempt,
        reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST,
        fault: events.Fault.FAULT_PROVIDER,
        requeuedAt: timestamp(at(minute)),
      },
    },
    id,
  );

// Before the run, one by one in both databases: five jobs with a 1 s bound (the tier comes with the
// placement: REALTIME but for job-std), job-late started two minutes after its placement and
// charged 10 000 so far.
const BEFORE = [
  ...['job-late', 'job-fail', 'job-lost', 'job-ok', 'job-std'].map((id) => submitted(id, 1000)),
  placed('job-late', 1, 'gpu-a', 1),
  started('job-late', 3, 1),
  logged(
    usageMetered(
      { usageId: 'u-late', jobId: 'job-late', tenantId: 'acme', providerId: 'gpu-a', earning: 9000n, fee: 1000n, meteredAt: at(2) },
      'usage-late',
    ),
  ),
  placed('job-ok', 1, 'gpu-c', 1),
];

const RUN = [
  // Placed and failed by the provider (hardware) within the run: judged against this run's placement.
  placed('job-fail', 2, 'gpu-b', 1),
  started('job-fail', 2, 1),
  failed('job-fail', 3, 'gpu-b', 1, api.FailureCategory.FAILURE_CATEGORY_HARDWARE, 'failed-fail'),
  // Completed after a start two minutes past its placement: late.
  completed('job-late', 61, 'gpu-a', 1, 'completed-late'),
  // Completed again (a second outcome of the judged attempt): the same penalty id, nothing more.
  completed('job-late', 62, 'gpu-a', 1, 'completed-late-again'),
  // Placed, then its provider lost: abandoned (attempt 1 ends, attempt 2 begins).
  placed('job-lost', 2, 'gpu-d', 1),
  requeued('job-lost', 4, 'gpu-d', 2, 'requeued-lost'),
  placed('job-lost', 5, 'gpu-e', 2),
  // A stale outcome: attempt 1 on gpu-d again, after attempt 2 was placed: not this placement's.
  failed('job-lost', 6, 'gpu-d', 1, api.FailureCategory.FAILURE_CATEGORY_HARDWARE, 'failed-lost-stale'),
  // The workload's own failure: no penalty.
  failed('job-ok', 3, 'gpu-c', 1, api.FailureCategory.FAILURE_CATEGORY_WORKLOAD, 'failed-ok'),
  // A STANDARD job placed and failed by its provider: the policy's other-tier rule.
  placed('job-std', 2, 'gpu-f', 1, api.Tier.TIER_STANDARD),
  failed('job-std', 3, 'gpu-f', 1, api.FailureCategory.FAILURE_CATEGORY_NETWORK, 'failed-std'),
  // An outcome of a job payout never saw: nothing.
  completed('job-unknown', 3, 'gpu-z', 1, 'completed-unknown'),
];

interface Emitted {
  readonly topic: string;
  readonly envelope: EventEnvelope;
}

describe('job outcomes: the batch path equals the per-event path', () => {
  const TOPICS = topicNames('outcomes-batch.');
  const callers = CallerDirectory.of([{ id: 'acme', plan: 'enterprise', spendingCapBaseUnits: undefined, apiKeySha256: [] }], []);
  const usageConsumer = new UsageConsumer(TOPICS, callers);
  const jobsConsumer = new JobsConsumer(TOPICS, { penaltyPolicy: DEFAULT_PENALTY_POLICY } as never);
  const batchHandling = payoutBatchHandling(jobsConsumer, usageConsumer);
  const schemas = [uniqueName('payout_obatch'), uniqueName('payout_osingle')].map((name) => name.replace(/-/g, '_'));
  const emitted: Record<'batch' | 'single', Emitted[]> = { batch: [], single: [] };
  let batch: DataSource;
  let single: DataSource;

  const context = (manager: EntityManager, into: Emitted[]) => ({
    manager,
    emit: async (topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]) => {
      for (const envelope of [envelopes].flat()) into.push({ topic, envelope });
    },
  });
  const one = (source: DataSource, event: LoggedEvent, into: Emitted[]) =>
    source.transaction((manager) => batchHandling.handle([event], context(manager, into)));

  beforeAll(async () => {
    batch = await openPayoutDatabase(databaseUrl(), schemas[0]!);
    single = await openPayoutDatabase(databaseUrl(), schemas[1]!);
    for (const source of [batch, single]) for (const event of BEFORE) await one(source, event, []);
    expect(RUN.every((event) => FOLDED_JOB_EVENT_TYPES.includes(event.envelope.type))).toBe(true);
    await batch.transaction((manager) => jobsConsumer.applyFacts(RUN, context(manager, emitted.batch)));
    for (const event of RUN) await single.transaction((manager) => jobsConsumer.applyFacts([event], context(manager, emitted.single)));
  }, 60_000);

  afterAll(async () => {
    for (const [i, source] of [batch, single].entries()) {
      await source?.query(`DROP SCHEMA IF EXISTS "${schemas[i]}" CASCADE`);
      await source?.destroy();
    }
  });

  const rows = async (source: DataSource) => ({
    penalties: await source.query(
      'SELECT penalty_id, posting_id, provider_id, tenant_id, job_id, attempt, amount::text, reason, justifying_event_ids, policy_version, assessed_at FROM ledger_penalties ORDER BY penalty_id',
    ),
    postings: await source.query('SELECT posting_id, source_id FROM ledger_postings ORDER BY posting_id'),
    balances: await source.query('SELECT account_id, balance::text FROM ledger_balances ORDER BY account_id'),
    jobs: await source.query(
      'SELECT job_id, provider_id, attempt, placed_event_id, placed_at::text, started_at::text FROM payout_jobs ORDER BY job_id',
    ),
  });

  it('assesses the same penalties and leaves the same ledger and job rows', async () => {
    const expected = await rows(single);
    expect(await rows(batch)).toEqual(expected);
    expect(expected.penalties.map((p: { job_id: string; reason: string; amount: string }) => [p.job_id, p.reason, p.amount])).toEqual([
      ['job-fail', 'REALTIME_FAILED_BY_PROVIDER', '1000000'],
      ['job-late', 'REALTIME_COMPLETED_LATE', '250000'],
      ['job-lost', 'REALTIME_ABANDONED_BY_PROVIDER', '1000000'],
      ['job-std', 'FAILED_BY_PROVIDER', '100000'],
    ]);
  });

  it('records each penalty with the events that justify it', async () => {
    const [penalty] = await batch.query(
      `SELECT justifying_event_ids, policy_version, assessed_at FROM ledger_penalties WHERE job_id = 'job-fail'`,
    );
    expect(penalty).toEqual({
      justifying_event_ids: ['failed-fail', 'placed-job-fail-1'],
      policy_version: DEFAULT_PENALTY_POLICY.version,
      assessed_at: at(3),
    });
  });

  it('emits the same ledger events, same ids, same order', () => {
    expect(emitted.batch).toEqual(emitted.single);
    expect(emitted.single.map((e) => [e.topic, e.envelope.type.replace('switchyard.events.v1.', ''), e.envelope.subject])).toEqual([
      [TOPICS.ledger, 'PenaltyAssessed', 'penalty:job-fail:1'],
      [TOPICS.ledger, 'PostingRecorded', 'penalty:job-fail:1'],
      [TOPICS.ledger, 'PenaltyAssessed', 'penalty:job-late:1'],
      [TOPICS.ledger, 'PostingRecorded', 'penalty:job-late:1'],
      [TOPICS.ledger, 'PenaltyAssessed', 'penalty:job-lost:1'],
      [TOPICS.ledger, 'PostingRecorded', 'penalty:job-lost:1'],
      [TOPICS.ledger, 'PenaltyAssessed', 'penalty:job-std:1'],
      [TOPICS.ledger, 'PostingRecorded', 'penalty:job-std:1'],
    ]);
  });
});
