// Runs of events applied at once (the batch handler's projectRun) leave the same jobs, history,
// usage and commitment rows — and the same outcomes — as the same events applied one by one (the
// per-event handlers): job events of several jobs interleaved (a submission being rebuilt, an
// event already applied, an event for an unknown job, a late event for an ended job, a
// cancellation that releases its commitment), then usage and ledger runs whose facts settle
// jobs fact by fact (a duplicate of each kind, a posting that waits for its UsageMetered, one
// that was waiting before the run, usage of an unknown job, a payout posting).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, envelopeOf, events, type EventFamily, type FamilyEvent } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { openServiceDatabase } from '@switchyard/event-runtime';
import { databaseUrl, uniqueName } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { intakeMigrations } from '../src/persistence/intake-migrations.js';
import { JobStore } from '../src/persistence/job-store.js';
import { JobProjector } from '../src/projection/job-projector.js';
import { validSpec } from './support/intake-fixture.js';

const at = (minute: number): Date => new Date(Date.UTC(2026, 10, 4, 0, minute, 0, 7));
const jobIds = { A: 1, B: 2, C: 3, D: 4, F: 5, G: 6, X: 7, Z: 8 } as const;
type Job = keyof typeof jobIds;
const id = (job: Job): string => `00000000-0000-7000-8000-${String(jobIds[job]).padStart(12, '0')}`;

let sequence = 0;
const envelope = <F extends EventFamily>(family: F, event: FamilyEvent<F>, minute: number, eventId?: string): EventEnvelope =>
  envelopeOf(family, event, { source: '/switchyard/test', at: at(minute), id: eventId ?? `event-${++sequence}` });

const submitted = (job: Job, minute: number) =>
  envelope(
    'job',
    {
      jobSubmitted: events.JobSubmitted.fromPartial({
        jobId: id(job),
        tenantId: 'acme',
        tenantPlan: 'enterprise',
        spec: validSpec(),
        idempotencyKey: `key-${job}`,
        quote: api.Quote.fromPartial({ prices: [{ worstCasePriceBaseUnits: String(1_000_000 * jobIds[job]) }] }),
        submittedAt: { seconds: String(at(minute).getTime() / 1000), nanos: 0 },
      }),
    },
    minute,
  );
const classified = (job: Job, minute: number) =>
  envelope(
    'job',
    { jobClassified: events.JobClassified.fromPartial({ jobId: id(job), tier: api.Tier.TIER_STANDARD, matchedRuleId: 'default' }) },
    minute,
  );
const placed = (job: Job, minute: number) =>
  envelope('job', { jobPlaced: events.JobPlaced.fromPartial({ jobId: id(job), providerId: `gpu-${job}`, attempt: 1 }) }, minute);
const started = (job: Job, minute: number) =>
  envelope('job', { jobStarted: events.JobStarted.fromPartial({ jobId: id(job), attempt: 1, providerId: `gpu-${job}` }) }, minute);
const completed = (job: Job, minute: number) =>
  envelope('job', { jobCompleted: events.JobCompleted.fromPartial({ jobId: id(job), attempt: 1, resultHash: `sha256:${job}` }) }, minute);
const cancelled = (job: Job, minute: number) =>
  envelope('job', { jobCancelled: events.JobCancelled.fromPartial({ jobId: id(job), reason: 'changed plans' }) }, minute);
const metered = (job: Job, usageId: string, minute: number) =>
  envelope(
    'usage',
    {
      usageMetered: events.UsageMetered.fromPartial({
        usageId,
        jobId: id(job),
        attempt: 1,
        reportId: `report-${usageId}`,
        tenantId: 'acme',
        tenantChargeBaseUnits: '1800',
      }),
    },
    minute,
  );
const posted = (usageId: string, minute: number, kind = events.PostingKind.POSTING_KIND_USAGE) =>
  envelope(
    'ledger',
    {
      postingRecorded: events.PostingRecorded.fromPartial({
        postingId: `${kind === events.PostingKind.POSTING_KIND_USAGE ? 'posting' : 'payout'}-${usageId}`,
        sourceId: usageId,
        kind,
      }),
    },
    minute,
  );

const aCompleted = completed('A', 4);
const BEFORE = [
  ...(['A', 'B', 'C', 'D', 'G'] as const).map((job) => submitted(job, 0)),
  ...(['A', 'B', 'C', 'G'] as const).map((job) => classified(job, 1)),
  ...(['A', 'B', 'G'] as const).flatMap((job) => [placed(job, 2), started(job, 3)]),
  aCompleted,
  completed('G', 4),
  posted('u-G1', 4), // waits for its UsageMetered
];

const RUNS: EventEnvelope[][] = [
  // jobs topic
  [
    completed('B', 5),
    submitted('F', 5),
    placed('C', 5),
    aCompleted, // already applied
    classified('F', 6),
    started('C', 6),
    cancelled('D', 6),
    placed('Z', 6), // an unknown job
    placed('F', 7),
    placed('A', 7), // A has ended: changes nothing
  ],
  // usage topic
  [
    metered('A', 'u-A1', 8),
    metered('A', 'u-A2', 8),
    metered('C', 'u-C1', 8), // C still runs
    metered('X', 'u-X1', 8), // a job not projected
    metered('B', 'u-B1', 9),
    metered('A', 'u-A1', 9), // the same usage metered twice
    metered('G', 'u-G1', 9), // its posting was waiting
  ],
  // ledger topic
  [
    posted('u-A1', 10),
    posted('u-B1', 10, events.PostingKind.POSTING_KIND_PAYOUT), // not a usage record
    posted('u-B1', 10),
    posted('u-A2', 11), // A settles here, not at u-A1's posting
    posted('u-C1', 11),
    posted('u-W1', 11), // waits
    posted('u-B1', 12), // posted twice
  ],
  [completed('C', 13)],
  [metered('C', 'u-W1', 14), metered('C', 'u-C2', 14)],
];

describe('job projection: a run applied at once equals the same events one by one', () => {
  const projector = new JobProjector(new JobStore());
  const schemas = [uniqueName('intake_batch'), uniqueName('intake_single')].map((name) => name.replace(/-/g, '_'));
  let batch: DataSource;
  let single: DataSource;

  beforeAll(async () => {
    const open = (schema: string) =>
      openServiceDatabase(
        { databaseUrl: databaseUrl(), databaseSchema: schema },
        { migrations: intakeMigrations, migrationsTableName: 'intake_migrations', poolSize: 2 },
      );
    batch = await open(schemas[0]!);
    single = await open(schemas[1]!);
  }, 30_000);

  afterAll(async () => {
    for (const [i, source] of [batch, single].entries()) {
      await source?.query(`DROP SCHEMA IF EXISTS "${schemas[i]}" CASCADE`);
      await source?.destroy();
    }
  });

  const rows = async (source: DataSource) => ({
    jobs: await source.query('SELECT * FROM jobs ORDER BY id'),
    history: await source.query('SELECT * FROM job_history ORDER BY job_id, seq'),
    usage: await source.query('SELECT * FROM job_usage ORDER BY usage_id'),
    commitments: await source.query('SELECT * FROM spending_commitments ORDER BY tenant_id'),
  });

  it('leaves the same rows and outcomes', async () => {
    for (const source of [batch, single]) {
      await source.query("INSERT INTO spending_commitments VALUES ('acme', $1, 50000000)", [at(-1)]);
      for (const event of BEFORE) await source.transaction((manager) => projector.project(manager, event));
    }
    for (const run of RUNS) {
      const together = await batch.transaction((manager) => projector.projectRun(manager, run));
      const oneByOne = [];
      for (const event of run) oneByOne.push(await single.transaction((manager) => projector.project(manager, event)));
      expect(together).toEqual(oneByOne);
    }

    const batched = await rows(batch);
    expect(batched).toEqual(await rows(single));
    const job = (j: Job) => batched.jobs.find((row: { id: string }) => row.id === id(j));
    const settlement = (j: Job) => job(j).job.settlementState;
    expect(batched.jobs.map((row: { id: string }) => row.id)).toEqual((['A', 'B', 'C', 'D', 'F', 'G'] as const).map(id));
    expect(settlement('A')).toBe('SETTLEMENT_STATE_SETTLED');
    expect(settlement('B')).toBe('SETTLEMENT_STATE_SETTLED');
    expect(settlement('C')).toBe('SETTLEMENT_STATE_METERED');
    expect(settlement('G')).toBe('SETTLEMENT_STATE_SETTLED');
    expect(job('D').state).toBe('JOB_STATE_CANCELLED');
    expect(job('F')).toMatchObject({ state: 'JOB_STATE_PLACED', last_seq: 3, worst_case_base_units: '5000000' });
    // D's worst case (4 tokens) left the commitment.
    expect(batched.commitments).toEqual([expect.objectContaining({ committed_base_units: '46000000' })]);
    const historyOf = (j: Job) =>
      batched.history.filter((h: { job_id: string }) => h.job_id === id(j)).map((h: { event_type: string; detail: string }) => h.detail);
    expect(historyOf('A').slice(4)).toEqual([
      '',
      'usage u-A1 of attempt 1 metered: charge 1800 base units',
      'usage u-A2 posted to the ledger (posting-u-A2)',
    ]);
    // C settled at its end (u-C1 metered and posted); u-W1, whose posting waited, keeps it settled; u-C2 does not.
    expect(historyOf('C').slice(-3)).toEqual(['running on gpu-C', '', 'usage u-C2 of attempt 1 metered: charge 1800 base units']);
    expect(batched.usage.find((u: { usage_id: string }) => u.usage_id === 'u-X1')).toMatchObject({ job_id: id('X'), metered: true });
    expect(batched.usage.find((u: { usage_id: string }) => u.usage_id === 'u-W1')).toMatchObject({ job_id: id('C'), posted: true });
  }, 60_000);

  it('applies a usage record with both of its facts in one run (a round of the usage and ledger topics) as one by one', async () => {
    // Posting first (it waits), then its UsageMetered, then a second posting of it (a duplicate):
    // the run is cut where a usage id's other fact would join its piece.
    const run = [posted('u-M1', 20), metered('A', 'u-M1', 20), posted('u-M1', 21), metered('A', 'u-M2', 21)];
    const together = await batch.transaction((manager) => projector.projectRun(manager, run));
    const oneByOne = [];
    for (const event of run) oneByOne.push(await single.transaction((manager) => projector.project(manager, event)));
    expect(together).toEqual(oneByOne);
    expect(together.map((outcome) => outcome.applied)).toEqual([true, true, false, true]);
    const batched = await rows(batch);
    expect(batched).toEqual(await rows(single));
    expect(batched.usage.find((u: { usage_id: string }) => u.usage_id === 'u-M1')).toMatchObject({
      job_id: id('A'),
      metered: true,
      posted: true,
    });
  });
});
