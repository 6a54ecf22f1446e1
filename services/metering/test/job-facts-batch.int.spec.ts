// The jobs consumer's batch path against its per-event path on real PostgreSQL: the same events
// (several jobs interleaved, parked usage reports that become priceable, one that cannot be priced,
// a job known before the run, a provider placed twice) leave the same rows and emit the same
// events, in the same order, whether applied as one run or one event per transaction.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { createTestSchema, databaseUrl, type TestSchema } from '@switchyard/testing';
import type { DataSource, EntityManager } from 'typeorm';
import type { MeteringConfig } from '../src/config.js';
import { JobsConsumer } from '../src/jobs.consumer.js';
import { openMeteringDatabase } from '../src/persistence/metering-database.js';
import { parseRateCards } from '../src/rate-card/index.js';
import { UsageConsumer } from '../src/usage.consumer.js';
import { UsageRecorder } from '../src/usage-recorder.js';
import { classified, placed, RATE_CARDS_YAML, reported, submitted } from './support/metering-fixture.js';

const { TIER_REALTIME, TIER_BATCH } = api.Tier;

const logged = (envelope: EventEnvelope, offset: number): LoggedEvent => ({
  topic: 'jobs',
  partition: 0,
  offset: String(offset),
  appendedAt: new Date(0),
  key: envelope.subject ?? '',
  envelope,
});

/** Parked before the run: job-a (2 reports), job-b (no rate for REALTIME l4), job-c (known, submitted). */
const BEFORE = [
  reported('r-a1', 'job-a', '2026-03-01T10:00:00Z', { gpuMilliseconds: '5400123', tokens: '12345' }),
  reported('r-a2', 'job-a', '2026-03-01T10:05:00Z', { gpuMilliseconds: '1000' }),
  reported('r-b1', 'job-b', '2026-03-01T10:00:00Z', { gpuMilliseconds: '2000' }, { providerId: 'prov-south-1' }),
  reported('r-c1', 'job-c', '2026-07-01T10:00:00Z', { gpuMilliseconds: '3000', bytes: '1000' }),
].map((e, i) => logged(e, i));
const SETUP = [submitted('job-c', 'globex', 'l4')].map((e, i) => logged(e, 100 + i));

/** The run: several jobs interleaved, in log order. */
const RUN = [
  submitted('job-a', 'acme', 'h100-80g'),
  submitted('job-b', 'acme', 'l4'),
  placed('job-x', 'prov-north-1', 'op-north'),
  classified('job-a', TIER_REALTIME),
  classified('job-c', TIER_BATCH),
  classified('job-b', TIER_REALTIME),
  placed('job-a', 'prov-north-1', 'op-south'),
  submitted('job-d', 'globex', 'l4'),
  placed('job-d', 'prov-east-1', 'op-north'),
  classified('job-d', TIER_BATCH),
  placed('job-e', '', ''),
].map((e, i) => logged(e, 200 + i));

interface Store {
  schema: TestSchema;
  db: DataSource;
  jobs: JobsConsumer;
  usage: UsageConsumer;
  emitted: { topic: string; envelope: EventEnvelope }[];
}

describe('the jobs consumer: batch path = per-event path', () => {
  const stores: Store[] = [];
  const rateCards = parseRateCards(RATE_CARDS_YAML, 'test');

  async function openStore(): Promise<Store> {
    const schema = await createTestSchema('mbatch');
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

  /** Each event in its own transaction, through its per-event handler. */
  async function perEvent(store: Store, events: readonly LoggedEvent[]): Promise<void> {
    const handlers = new Map([...store.jobs.handlers(), ...store.usage.handlers()]);
    for (const event of events)
      await store.db.transaction((manager) => handlers.get(event.envelope.type)!(event, { ...contextOf(store, manager), event }));
  }

  async function rows(store: Store) {
    const q = (sql: string) => store.db.query(sql) as Promise<unknown[]>;
    return {
      jobs: await q('SELECT * FROM metering_jobs ORDER BY job_id'),
      operators: await q('SELECT * FROM metering_provider_operators ORDER BY provider_id'),
      lines: await q('SELECT * FROM usage_lines ORDER BY report_id'),
      pending: await q('SELECT * FROM pending_usage_reports ORDER BY report_id'),
    };
  }

  let batch: Store;
  let single: Store;

  beforeAll(async () => {
    batch = await openStore();
    single = await openStore();
    for (const store of [batch, single]) await perEvent(store, [...BEFORE, ...SETUP]);
    for (const store of [batch, single]) store.emitted.length = 0;
    const handling = batch.jobs.batchHandling();
    expect(RUN.every((e) => handling.types.has(e.envelope.type))).toBe(true);
    await batch.db.transaction((manager) => handling.handle(RUN, contextOf(batch, manager)));
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
    expect(expected.jobs.map((j) => (j as { job_id: string; tier: string | null }).tier)).toEqual([
      'TIER_REALTIME',
      'TIER_REALTIME',
      'TIER_BATCH',
      'TIER_BATCH',
    ]);
    expect(expected.operators).toEqual([
      { provider_id: 'prov-east-1', operator_id: 'op-north' },
      { provider_id: 'prov-north-1', operator_id: 'op-south' },
    ]);
    expect(expected.lines.map((l) => (l as { report_id: string }).report_id)).toEqual(['r-a1', 'r-a2', 'r-c1']);
    expect(expected.pending).toEqual([expect.objectContaining({ report_id: 'r-b1', last_error: expect.stringContaining(':') })]);
  });

  it('emits the same events, same ids, same order', () => {
    expect(batch.emitted).toEqual(single.emitted);
    expect(single.emitted.map((e) => [e.topic, e.envelope.subject])).toEqual([
      ['bt.usage', 'job-a'],
      ['bt.usage', 'job-a'],
      ['bt.usage', 'job-c'],
    ]);
  });
});
