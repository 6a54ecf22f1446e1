// A run of UsageMetered applied at once (the consumer group's batch handling) leaves the same
// ledger rows and emits the same ledger events, in the same order, as the same events applied one
// by one through the per-event handlers: two tenants, one of them crossing its spending cap in the
// run, a usage id repeated in the run and one already posted before it, a gang's usage, a usage
// before its JobPlaced (which comes later in the same run, a stretch of job facts), and a usage
// metered before the last epoch's cutoff (posted, not counted toward the cap).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CallerDirectory } from '@switchyard/access';
import { topicNames } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import type { EventLogContext } from '@switchyard/event-runtime';
import { databaseUrl, uniqueName } from '@switchyard/testing';
import type { DataSource, EntityManager } from 'typeorm';
import { FOLDED_JOB_EVENT_TYPES, JobsConsumer } from '../src/jobs.consumer.js';
import { payoutBatchHandling } from '../src/payout.js';
import { appendEpoch } from '../src/persistence/epoch-store.js';
import { openPayoutDatabase } from '../src/persistence/payout-data-source.js';
import { USAGE_METERED, UsageConsumer } from '../src/usage.consumer.js';
import { jobEvent, usageMetered, type UsageSpec } from './support/payout-fixture.js';

const at = (minute: number, ms = 0): Date => new Date(Date.UTC(2026, 10, 4, 0, minute, 0, ms));
const logged = (envelope: EventEnvelope): LoggedEvent => ({ envelope }) as LoggedEvent;
const usage = (spec: Omit<UsageSpec, 'meteredAt'> & { minute: number }, id: string): LoggedEvent =>
  logged(usageMetered({ ...spec, meteredAt: at(spec.minute, 250) }, id));
const placed = (jobId: string, minute: number, providerId: string, gang: { providerId: string; gpuCount: number }[], id: string) =>
  logged(
    jobEvent(jobId, at(minute), { jobPlaced: { jobId, providerId, operatorId: 'op-north', attempt: 1, gangMembers: gang } } as never, id),
  );

const TOPICS = topicNames('usage-batch.');
const CUTOFF = at(10);
const ACME_CAP = 1000n;

// Applied one by one before the run, in both databases: two placements (one a gang) and a usage
// of acme (400 counted toward its cap).
const BEFORE = [
  placed('job-a', 1, 'gpu-a', [], 'evt-placed-a'),
  placed(
    'job-gang',
    1,
    'gpu-1',
    [
      { providerId: 'gpu-1', gpuCount: 4 },
      { providerId: 'gpu-2', gpuCount: 2 },
    ],
    'evt-placed-gang',
  ),
  usage({ usageId: 'u-old', jobId: 'job-a', tenantId: 'acme', providerId: 'gpu-a', earning: 360n, fee: 40n, minute: 11 }, 'evt-u-old'),
];

const RUN = [
  // acme 400 -> 700.
  usage({ usageId: 'u-1', jobId: 'job-a', tenantId: 'acme', providerId: 'gpu-a', earning: 270n, fee: 30n, minute: 12 }, 'evt-u-1'),
  // The gang's usage: 1000 shared 4:2 (667 to the lead with the remainder, 333).
  usage(
    { usageId: 'u-gang', jobId: 'job-gang', tenantId: 'globex', providerId: 'gpu-1', earning: 1000n, fee: 100n, minute: 12 },
    'evt-u-gang',
  ),
  // Posted before the run, redelivered under another event id: nothing.
  usage({ usageId: 'u-old', jobId: 'job-a', tenantId: 'acme', providerId: 'gpu-a', earning: 360n, fee: 40n, minute: 11 }, 'evt-u-old-2'),
  // Before its JobPlaced (below): the lead is credited the whole earning. acme 700 -> 1050: over the cap.
  usage(
    { usageId: 'u-early', jobId: 'job-late', tenantId: 'acme', providerId: 'gpu-3', earning: 315n, fee: 35n, minute: 13 },
    'evt-u-early',
  ),
  placed(
    'job-late',
    13,
    'gpu-3',
    [
      { providerId: 'gpu-3', gpuCount: 1 },
      { providerId: 'gpu-4', gpuCount: 1 },
    ],
    'evt-placed-late',
  ),
  // After it: shared. acme 1050 -> 1250, already over: no second alert.
  usage({ usageId: 'u-late', jobId: 'job-late', tenantId: 'acme', providerId: 'gpu-3', earning: 181n, fee: 19n, minute: 14 }, 'evt-u-late'),
  // u-1 again in the same run: nothing.
  usage({ usageId: 'u-1', jobId: 'job-a', tenantId: 'acme', providerId: 'gpu-a', earning: 270n, fee: 30n, minute: 12 }, 'evt-u-1-again'),
  // Metered before the cutoff: posted, but the closed epoch's, so not counted (5000 would cross nothing).
  usage({ usageId: 'u-prev', jobId: 'job-a', tenantId: 'acme', providerId: 'gpu-a', earning: 4500n, fee: 500n, minute: 9 }, 'evt-u-prev'),
  usage({ usageId: 'u-g2', jobId: 'job-a', tenantId: 'globex', providerId: 'gpu-a', earning: 45n, fee: 5n, minute: 15 }, 'evt-u-g2'),
];

interface Emitted {
  readonly topic: string;
  readonly envelope: EventEnvelope;
}

describe('usage: the batch path equals the per-event path', () => {
  const callers = CallerDirectory.of(
    [
      { id: 'acme', plan: 'enterprise', spendingCapBaseUnits: ACME_CAP, apiKeySha256: [] },
      { id: 'globex', plan: 'team', spendingCapBaseUnits: undefined, apiKeySha256: [] },
    ],
    [],
  );
  const usageConsumer = new UsageConsumer(TOPICS, callers);
  const jobsConsumer = new JobsConsumer(TOPICS, {} as never);
  const batchHandling = payoutBatchHandling(jobsConsumer, usageConsumer);
  const schemas = [uniqueName('payout_ubatch'), uniqueName('payout_usingle')].map((name) => name.replace(/-/g, '_'));
  let batch: DataSource;
  let single: DataSource;

  beforeAll(async () => {
    batch = await openPayoutDatabase(databaseUrl(), schemas[0]!);
    single = await openPayoutDatabase(databaseUrl(), schemas[1]!);
  }, 30_000);

  afterAll(async () => {
    for (const [i, source] of [batch, single].entries()) {
      await source?.query(`DROP SCHEMA IF EXISTS "${schemas[i]}" CASCADE`);
      await source?.destroy();
    }
  });

  const collector = (into: Emitted[]) => async (topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]) => {
    for (const envelope of Array.isArray(envelopes) ? envelopes : [envelopes as EventEnvelope]) into.push({ topic, envelope });
  };

  /** One event through its per-event handler (the @EventPattern method), in its own transaction. */
  const applyOne = (source: DataSource, event: LoggedEvent, emitted: Emitted[]): Promise<void> =>
    source.transaction((manager: EntityManager) => {
      const context = {
        getEvent: () => event,
        handling: () => ({ manager, event, emit: collector(emitted) }),
      } as unknown as EventLogContext;
      if (event.envelope.type === USAGE_METERED) return usageConsumer.usageMetered(undefined, context);
      expect(FOLDED_JOB_EVENT_TYPES).toContain(event.envelope.type);
      return jobsConsumer.placed(undefined, context);
    });

  const rows = async (source: DataSource) => ({
    postings: await source.query('SELECT * FROM ledger_postings ORDER BY posting_id'),
    entries: await source.query(
      'SELECT posting_id, line, account_id, amount::text AS amount FROM ledger_entries ORDER BY posting_id, line',
    ),
    balances: await source.query('SELECT account_id, balance::text AS balance FROM ledger_balances ORDER BY account_id'),
    usage: await source.query('SELECT * FROM ledger_usage ORDER BY usage_id'),
    spend: await source.query(
      'SELECT tenant_id, window_start, spent::text AS spent FROM payout_tenant_spend ORDER BY tenant_id, window_start',
    ),
    jobs: await source.query('SELECT * FROM payout_jobs ORDER BY job_id'),
    operators: await source.query('SELECT * FROM payout_provider_operators ORDER BY provider_id'),
  });

  it('leaves the same rows and emits the same events in the same order', async () => {
    for (const source of [batch, single]) {
      await source.transaction((manager) =>
        appendEpoch(
          manager,
          { epochId: 'epoch-1', seq: 1, cutoff: CUTOFF, closedAt: CUTOFF, payoutCount: 0, totalBaseUnits: 0n },
          undefined,
        ),
      );
      for (const event of BEFORE) await applyOne(source, event, []);
    }

    const batchEmitted: Emitted[] = [];
    await batch.transaction((manager) => batchHandling.handle(RUN, { manager, emit: collector(batchEmitted) }));
    const singleEmitted: Emitted[] = [];
    for (const event of RUN) await applyOne(single, event, singleEmitted);

    const batched = await rows(batch);
    expect(batched).toEqual(await rows(single));
    expect(batchEmitted).toEqual(singleEmitted);

    // What both paths did, spelled out.
    const summary = batchEmitted.map(({ topic, envelope }) => {
      expect(topic).toBe(TOPICS.ledger);
      return `${envelope.type.replace('switchyard.events.v1.', '')} ${envelope.causationId}`;
    });
    expect(summary).toEqual([
      'PostingRecorded evt-u-1',
      'PostingRecorded evt-u-gang',
      'PostingRecorded evt-u-early',
      'SpendingCapExceeded evt-u-early',
      'PostingRecorded evt-u-late',
      'PostingRecorded evt-u-prev',
      'PostingRecorded evt-u-g2',
    ]);
    const alert = batchEmitted[3]!.envelope.data as {
      spendingCapExceeded: { tenantId: string; capBaseUnits: string; spentBaseUnits: string };
    };
    expect(alert.spendingCapExceeded).toMatchObject({ tenantId: 'acme', capBaseUnits: '1000', spentBaseUnits: '1050' });
    expect(batched.spend).toEqual([
      { tenant_id: 'acme', window_start: CUTOFF, spent: '1250' },
      { tenant_id: 'globex', window_start: CUTOFF, spent: '1150' },
    ]);
    expect(batched.usage.map((row: { usage_id: string; event_id: string }) => `${row.usage_id} ${row.event_id}`)).toEqual([
      'u-1 evt-u-1',
      'u-early evt-u-early',
      'u-g2 evt-u-g2',
      'u-gang evt-u-gang',
      'u-late evt-u-late',
      'u-old evt-u-old',
      'u-prev evt-u-prev',
    ]);
    const entriesOf = (postingId: string) =>
      batched.entries
        .filter((entry: { posting_id: string }) => entry.posting_id === postingId)
        .map((entry: { account_id: string; amount: string }) => `${entry.account_id} ${entry.amount}`);
    expect(entriesOf('usage:u-gang')).toEqual(['tenant:globex -1100', 'provider:gpu-1 667', 'provider:gpu-2 333', 'protocol:fees 100']);
    expect(entriesOf('usage:u-early')).toEqual(['tenant:acme -350', 'provider:gpu-3 315', 'protocol:fees 35']);
    expect(entriesOf('usage:u-late')).toEqual(['tenant:acme -200', 'provider:gpu-3 91', 'provider:gpu-4 90', 'protocol:fees 19']);
    expect(batched.balances).toEqual([
      { account_id: 'protocol:fees', balance: String(40 + 30 + 100 + 35 + 19 + 500 + 5) },
      { account_id: 'provider:gpu-1', balance: '667' },
      { account_id: 'provider:gpu-2', balance: '333' },
      { account_id: 'provider:gpu-3', balance: String(315 + 91) },
      { account_id: 'provider:gpu-4', balance: '90' },
      { account_id: 'provider:gpu-a', balance: String(360 + 270 + 4500 + 45) },
      { account_id: 'tenant:acme', balance: String(-(400 + 300 + 350 + 200 + 5000)) },
      { account_id: 'tenant:globex', balance: String(-(1100 + 50)) },
    ]);
  });
});
