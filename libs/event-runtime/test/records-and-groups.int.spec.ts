// What an outside consumer relies on, on both backends: dead-letter topics are created with an
// explicit retention, every relayed record names its payload message (ce_dataschema), and a
// namespaced consumer group never starts over an inbox its bare-named predecessor filled.
import { describe, expect, it } from '@jest/globals';
import { uniqueName } from '@switchyard/testing';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { ConsumerGroupRenamedError, DEAD_LETTER_RETENTION_MS, deadLetterTopic, EventConsumer, Outbox, OutboxRelay } from '../src/index.js';
import { accountEvent, DEPOSITED } from './support/accounts.js';
import { BACKENDS, createTopic, eventually, quietLogger, type Backend } from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';

describe.each(BACKENDS)('records and groups, %s log', (backend: Backend) => {
  const scope = runtimeScope();

  async function setUp() {
    const { dataSource, log } = await scope.open(backend);
    return { dataSource, log, topic: await createTopic(log, 'contract', 2) };
  }

  it('creates <topic>-dlt with the source partitions and the documented retention', async () => {
    const { dataSource, log, topic } = await setUp();
    const consumer = new EventConsumer({
      eventLog: log,
      dataSource,
      groupId: uniqueName('g'),
      topics: [topic],
      handlers: new Map(),
      logger: quietLogger,
    });
    await consumer.start();
    scope.defer(() => consumer.stop());
    expect(await log.admin.describeTopic(deadLetterTopic(topic))).toMatchObject({ partitions: 2, retentionMs: DEAD_LETTER_RETENTION_MS });
  }, 90_000);

  it('gives every relayed Switchyard event a ce_dataschema naming its envelope, and leaves one already set', async () => {
    const { dataSource, log, topic } = await setUp();
    const placed: EventEnvelope = {
      id: uniqueName('e'),
      type: 'switchyard.events.v1.JobPlaced',
      source: '/test',
      subject: 'job-1',
      time: '2026-12-01T00:00:00.000Z',
      data: { jobPlaced: { jobId: 'job-1' } },
    };
    const own: EventEnvelope = { ...placed, id: uniqueName('e'), dataschema: 'urn:example:other' };
    await dataSource.transaction((manager) => new Outbox().add(manager, topic, [placed, own, accountEvent(DEPOSITED, 'acct-1', 1)]));
    const relay = new OutboxRelay({ dataSource, eventLog: log, logger: quietLogger, pollIntervalMs: 100 });
    relay.start();
    scope.defer(() => relay.stop());
    const read = await eventually(async () => {
      const events: LoggedEvent[] = [];
      for await (const event of log.read({ topic })) events.push(event);
      expect(events).toHaveLength(3);
      return events;
    });
    const byId = new Map(read.map((event) => [event.envelope.id, event.envelope]));
    expect(byId.get(placed.id)?.dataschema).toBe('urn:switchyard:proto:switchyard.events.v1.JobEvent');
    expect(byId.get(own.id)?.dataschema).toBe('urn:example:other');
  }, 90_000);

  it('refuses to start a namespaced group where its bare-named predecessor applied events, and starts under the old name', async () => {
    const { dataSource, log, topic } = await setUp();
    const bare = uniqueName('accounts');
    await dataSource.query(
      `INSERT INTO event_inbox (consumer_group, event_id, event_type, topic, partition, "offset") VALUES ($1, 'e-1', $2, $3, 0, '0')`,
      [bare, DEPOSITED, topic],
    );
    const consumer = (groupId: string) =>
      new EventConsumer({ eventLog: log, dataSource, groupId, topics: [topic], handlers: new Map(), logger: quietLogger });
    await expect(consumer(`switchyard.${bare}`).start()).rejects.toThrow(ConsumerGroupRenamedError);
    await expect(consumer(`switchyard.${bare}`).start()).rejects.toThrow(`set the service's *_CONSUMER_GROUP=${bare}`);
    const old = consumer(bare);
    await old.start();
    scope.defer(() => old.stop());
    // A fresh database (no predecessor) starts the namespaced group as usual.
    const fresh = consumer(`switchyard.${uniqueName('fresh')}`);
    await fresh.start();
    scope.defer(() => fresh.stop());
  }, 90_000);
});
