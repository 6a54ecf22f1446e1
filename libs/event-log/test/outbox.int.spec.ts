// The transactional outbox and its relay, publishing to both real backends.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestSchema, kafkaBrokers, uniqueName, type TestSchema } from '@switchyard/testing';
import { logLevel } from 'kafkajs';
import pg from 'pg';
import { applyOnce, ensureRuntimeSchema, KafkaEventLog, OutboxRelay, PostgresEventLog, type EventLog } from '../src/index.js';
import { collect, sampleEvent } from './contract/fixtures.js';

jest.setTimeout(60_000);

const backends: [string, (schema: TestSchema) => EventLog][] = [
  ['Kafka', () => new KafkaEventLog({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING })],
  ['PostgreSQL', (schema) => new PostgresEventLog({ connectionString: schema.url })],
];

describe.each(backends)('transactional outbox relayed to %s', (_name, openLog) => {
  let schema: TestSchema;
  let pool: pg.Pool;
  let log: EventLog;
  const topic = uniqueName('outbox-jobs');

  beforeAll(async () => {
    schema = await createTestSchema('outbox');
    pool = new pg.Pool({ connectionString: schema.url, max: 3 });
    await ensureRuntimeSchema(pool);
    await pool.query('CREATE TABLE jobs (id text PRIMARY KEY, state text NOT NULL)');
    log = openLog(schema);
    await log.admin.createTopics([{ topic, partitions: 2 }]);
  });

  afterAll(async () => {
    await log.admin.deleteTopics([topic]).catch(() => undefined);
    await log.close();
    await pool.end();
    await schema.drop();
  });

  it('publishes the events of committed changes, in order, and none of a rolled-back change', async () => {
    const placed = [sampleEvent('job-1', { state: 'PLACED' }), sampleEvent('job-1', { state: 'RUNNING' })];
    await applyOnce(pool, { consumer: 'placement', eventId: 'in-1' }, async (tx) => {
      await tx.query("INSERT INTO jobs VALUES ('job-1', 'RUNNING')");
      return placed.map((envelope) => ({ topic, envelope }));
    });
    await expect(
      applyOnce(pool, { consumer: 'placement', eventId: 'in-2' }, async (tx) => {
        await tx.query("INSERT INTO jobs VALUES ('job-2', 'PLACED')");
        await tx.query("INSERT INTO jobs VALUES ('job-2', 'PLACED')"); // duplicate key: the change rolls back
        return [{ topic, envelope: sampleEvent('job-2', { state: 'PLACED' }) }];
      }),
    ).rejects.toThrow();

    const relay = new OutboxRelay(pool, log);
    expect(await relay.relayOnce()).toBe(2);
    expect(await relay.relayOnce()).toBe(0);
    const published = await collect(log.read({ topic }));
    expect(published.map((e) => e.envelope)).toEqual(placed);
  });

  it('given the relay dies after appending and before marking the rows, then the rows are relayed again: nothing is lost', async () => {
    const envelope = sampleEvent('job-3', { state: 'COMPLETED' });
    await applyOnce(pool, { consumer: 'placement', eventId: 'in-3' }, async () => [{ topic, envelope }]);
    const dying: EventLog = {
      ...log,
      append: async (t, events) => {
        await log.append(t, events);
        throw new Error('process died before marking the outbox rows');
      },
    };
    await expect(new OutboxRelay(pool, dying).relayOnce()).rejects.toThrow('process died');
    expect(await new OutboxRelay(pool, log).relayOnce()).toBe(1);

    const copies = (await collect(log.read({ topic }))).filter((e) => e.envelope.id === envelope.id);
    // At least once into the log, with one ce_id: consumers' inboxes apply it once.
    expect(copies).toHaveLength(2);
    const results = [];
    for (const copy of copies) results.push(await applyOnce(pool, { consumer: 'metering', eventId: copy.envelope.id }, async () => undefined));
    expect(results).toEqual(['applied', 'duplicate']);
  });
});
