// The usage consumer's batch path against its per-event path on real PostgreSQL: a run of usage
// reports (priceable jobs, a job not classified yet, an unknown job, a report metered before the
// run, one parked before it, one delivered twice in the run) leaves the same rows and emits the
// same events, in the same order, whether applied as one run or one report per transaction; a
// report that cannot be priced fails the run as it fails its own transaction.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { createTestSchema, databaseUrl, type TestSchema } from '@switchyard/testing';
import type { DataSource, EntityManager } from 'typeorm';
import type { MeteringConfig } from '../src/config.js';
import { JobsConsumer } from '../src/jobs.consumer.js';
import { meteringBatchHandling } from '../src/metering.js';
import { openMeteringDatabase } from '../src/persistence/metering-database.js';
import { parseRateCards } from '../src/rate-card/index.js';
import { UsageConsumer } from '../src/usage.consumer.js';
import { UsageRecorder } from '../src/usage-recorder.js';
import { classified, RATE_CARDS_YAML, reported, submitted } from './support/metering-fixture.js';

const { TIER_REALTIME, TIER_BATCH } = api.Tier;

const logged = (topic: string, envelope: EventEnvelope, offset: number): LoggedEvent => ({
  topic,
  partition: 0,
  offset: String(offset),
  appendedAt: new Date(0),
  key: envelope.subject ?? '',
  envelope,
});

/** Before the run: job-a and job-c priceable, job-p submitted only, job-b priceable but without a rate; r-old metered, r-parked parked. */
const SETUP = [
  logged('jobs', submitted('job-a', 'acme', 'h100-80g'), 1),
  logged('jobs', classified('job-a', TIER_REALTIME), 2),
  logged('jobs', submitted('job-c', 'globex', 'l4'), 3),
  logged('jobs', classified('job-c', TIER_BATCH), 4),
  logged('jobs', submitted('job-p', 'acme', 'l4'), 5),
  logged('jobs', submitted('job-b', 'acme', 'l4'), 6),
  logged('jobs', classified('job-b', TIER_REALTIME), 7),
  logged('usage', reported('r-old', 'job-a', '2026-03-01T09:00:00Z', { gpuMilliseconds: '1000' }), 8),
  logged('usage', reported('r-parked', 'job-u', '2026-03-01T09:00:00Z', { gpuMilliseconds: '1000' }), 9),
];

/** The run, in log order. */
const RUN = [
  reported('r-a1', 'job-a', '2026-03-01T10:00:00Z', { gpuMilliseconds: '5400123', tokens: '12345' }),
  reported('r-p1', 'job-p', '2026-03-01T10:01:00Z', { gpuMilliseconds: '2000' }),
  reported('r-old', 'job-a', '2026-03-01T09:00:00Z', { gpuMilliseconds: '1000' }),
  reported('r-c1', 'job-c', '2026-07-01T10:00:00Z', { gpuMilliseconds: '3000', bytes: '1000' }, { providerId: 'prov-south-1' }),
  reported('r-u2', 'job-u', '2026-03-01T10:02:00Z', { gpuMilliseconds: '4000' }),
  reported('r-a1', 'job-a', '2026-03-01T10:00:00Z', { gpuMilliseconds: '5400123', tokens: '12345' }, { eventId: 'r-a1-again' }),
  reported('r-parked', 'job-u', '2026-03-01T09:00:00Z', { gpuMilliseconds: '1000' }),
  reported('r-a2', 'job-a', '2026-03-01T10:05:00Z', { gpuMilliseconds: '1000' }, { attempt: 2 }),
].map((e, i) => logged('usage', e, 100 + i));

interface Store {
  schema: TestSchema;
  db: DataSource;
  jobs: JobsConsumer;
  usage: UsageConsumer;
  emitted: { topic: string; envelope: EventEnvelope }[];
}

describe('the usage consumer: batch path = per-event path', () => {
  const stores: Store[] = [];
  const rateCards = parseRateCards(RATE_CARDS_YAML, 'test');

  async function openStore(): Promise<Store> {
    const schema = await createTestSchema('mubatch');
    const db = await openMeteringDatabase(databaseUrl(), schema.name);
    const recorder = new UsageRecorder({ topicPrefix: 'bt.' } as MeteringConfig, rateCards);
    const store = { schema, db, jobs: new JobsConsumer(recorder), usage: new UsageConsumer(recorder), emitted: [] };
    stores.push(store);
    return store;
  }

  const contextOf = (store: Store, manager: EntityManager) => ({
    manager,
    emit: async (topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]) => {
      for (const envelope of [envelopes].flat()) store.emitted.push({ topic, envelope });
    },
  });

  async function perEvent(store: Store, events: readonly LoggedEvent[]): Promise<void> {
    const handlers = new Map([...store.jobs.handlers(), ...store.usage.handlers()]);
    for (const event of events)
      await store.db.transaction((manager) => handlers.get(event.envelope.type)!(event, { ...contextOf(store, manager), event }));
  }

  const runAtOnce = (store: Store, events: readonly LoggedEvent[]) => {
    const handling = meteringBatchHandling(store.jobs, store.usage);
    return store.db.transaction((manager) => handling.handle(events, contextOf(store, manager)));
  };

  async function rows(store: Store) {
    const q = (sql: string) => store.db.query(sql) as Promise<unknown[]>;
    return {
      jobs: await q('SELECT * FROM metering_jobs ORDER BY job_id'),
      lines: await q('SELECT * FROM usage_lines ORDER BY report_id'),
      pending: await q(
        'SELECT report_id, job_id, report::text, event_id, traceparent, received_at, last_error FROM pending_usage_reports ORDER BY report_id',
      ),
    };
  }

  let batch: Store;
  let single: Store;

  beforeAll(async () => {
    batch = await openStore();
    single = await openStore();
    for (const store of [batch, single]) await perEvent(store, SETUP);
    for (const store of [batch, single]) store.emitted.length = 0;
    expect(RUN.every((e) => meteringBatchHandling(batch.jobs, batch.usage).types.has(e.envelope.type))).toBe(true);
    await runAtOnce(batch, RUN);
    await perEvent(single, RUN);
  }, 60_000);

  afterAll(async () => {
    for (const store of stores) {
      await store.db.destroy();
      await store.schema.drop();
    }
  });

  it('leaves the same rows', async () => {
    const expected = await rows(single);
    expect(await rows(batch)).toEqual(expected);
    // The per-event outcome itself, so that equal rows are not both empty.
    expect(expected.lines.map((l) => (l as { report_id: string }).report_id)).toEqual(['r-a1', 'r-a2', 'r-c1', 'r-old']);
    expect(expected.pending.map((p) => (p as { report_id: string }).report_id)).toEqual(['r-p1', 'r-parked', 'r-u2']);
    // The unknown job got an empty row from the lock, as per event.
    expect(expected.jobs.map((j) => (j as { job_id: string }).job_id)).toEqual(['job-a', 'job-b', 'job-c', 'job-p', 'job-u']);
  });

  it('emits the same events, same ids, same order', () => {
    expect(batch.emitted).toEqual(single.emitted);
    expect(single.emitted.map((e) => [e.topic, e.envelope.subject])).toEqual([
      ['bt.usage', 'job-a'],
      ['bt.usage', 'job-c'],
      ['bt.usage', 'job-a'],
    ]);
  });

  it('a report that cannot be priced fails the run, and leaves nothing', async () => {
    const unpriceable = [
      logged('usage', reported('r-b1', 'job-b', '2026-03-01T10:00:00Z', { gpuMilliseconds: '2000' }), 300),
      logged('usage', reported('r-a3', 'job-a', '2026-03-01T10:06:00Z', { gpuMilliseconds: '1000' }), 301),
    ];
    const before = await rows(batch);
    const emitted = batch.emitted.length;
    await expect(runAtOnce(batch, unpriceable)).rejects.toThrow(/rate/i);
    await expect(perEvent(single, unpriceable.slice(0, 1))).rejects.toThrow(/rate/i);
    expect(await rows(batch)).toEqual(before);
    expect(batch.emitted).toHaveLength(emitted);
  });
});
