// The outbox under crashes: a command process killed after its commit and before any publish
// still gets its event published (by the relay after restart), and the consumer applies it once;
// a relay killed after its append and before its delete publishes a second copy, which the
// consumer's inbox drops. Switched off (publish straight after commit), the same crash loses the event.
import { describe, expect, it } from '@jest/globals';
import type { EventLog } from '@switchyard/event-log';
import { uniqueName, type TestSchema } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { EventConsumer, Outbox, OutboxRelay, type EventOutcome, type InboxStore } from '../src/index.js';
import { accountEvent, accountsState, applyAccountEvent, OPENED } from './support/accounts.js';
import {
  BACKENDS,
  createTopic,
  eventually,
  openEventLog,
  openServiceDatabase,
  quietLogger,
  type Backend,
} from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';
import { startWorker } from './support/worker.js';

describe.each(BACKENDS)('the outbox across crashes, %s log', (backend: Backend) => {
  const scope = runtimeScope();

  async function database(): Promise<{ schema: TestSchema; dataSource: DataSource }> {
    const db = await openServiceDatabase();
    scope.defer(
      () => db.schema.drop(),
      () => db.dataSource.destroy(),
    );
    return db;
  }

  async function setUp(): Promise<{ schema: TestSchema; dataSource: DataSource; log: EventLog; topic: string }> {
    const db = await database();
    const log = openEventLog(backend, db.schema.url);
    scope.defer(() => log.close());
    return { ...db, log, topic: await createTopic(log, 'accounts', 2) };
  }

  function startRelay(dataSource: DataSource, log: EventLog): OutboxRelay {
    const relay = new OutboxRelay({ dataSource, eventLog: log, logger: quietLogger, pollIntervalMs: 500 });
    relay.start();
    scope.defer(() => relay.stop());
    return relay;
  }

  async function published(log: EventLog, topic: string): Promise<number> {
    return (await log.admin.endOffsets(topic)).reduce((n, p) => n + Number(p.end) - Number(p.earliest), 0);
  }

  async function outboxRows(dataSource: DataSource): Promise<number> {
    const [{ count }] = (await dataSource.query('SELECT count(*)::int AS count FROM event_outbox')) as [{ count: number }];
    return count;
  }

  /** A downstream service: applies AccountOpened into its own database, returns outcomes seen. */
  async function consumeDownstream(log: EventLog, topic: string, inbox?: InboxStore) {
    const { dataSource } = await database();
    const outcomes: EventOutcome[] = [];
    const consumer = new EventConsumer({
      eventLog: log,
      dataSource,
      groupId: uniqueName('downstream'),
      topics: [topic],
      handlers: new Map([[OPENED, applyAccountEvent]]),
      inbox,
      logger: quietLogger,
      onOutcome: (_event, outcome) => {
        outcomes.push(outcome);
      },
    });
    await consumer.start();
    scope.defer(() => consumer.stop());
    return { dataSource, outcomes, stop: () => consumer.stop() };
  }

  it('publishes a committed event after the command process died before publishing; consumed once', async () => {
    const { schema, dataSource, log, topic } = await setUp();
    const worker = startWorker({ backend, databaseUrl: schema.url, topic, mode: 'command', accountId: 'acct-1' });
    scope.defer(() => worker.sigkill());
    const { committed: eventId } = await worker.next('committed');
    await worker.sigkill();
    expect(await outboxRows(dataSource)).toBe(1);
    expect(await published(log, topic)).toBe(0);

    startRelay(dataSource, log);
    await eventually(async () => expect(await outboxRows(dataSource)).toBe(0));
    const downstream = await consumeDownstream(log, topic);
    await eventually(() => expect(downstream.outcomes).toEqual(['applied']));
    expect(await published(log, topic)).toBe(1);
    const [row] = await accountsState(downstream.dataSource.manager);
    expect(row).toMatchObject({ account_id: 'acct-1', applied: 1 });
    expect(typeof eventId).toBe('string');
    await downstream.stop();
  }, 90_000);

  it('loses the event when the process publishes straight after its commit and dies in between (mechanism off)', async () => {
    const { schema, dataSource, log, topic } = await setUp();
    const worker = startWorker({ backend, databaseUrl: schema.url, topic, mode: 'direct', accountId: 'acct-2' });
    scope.defer(() => worker.sigkill());
    await worker.next('committed');
    await worker.sigkill();
    startRelay(dataSource, log);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // The state change is there, its event is not, and nothing will ever publish it.
    expect(await accountsState(dataSource.manager)).toEqual([expect.objectContaining({ account_id: 'acct-2', balance: '100' })]);
    expect(await published(log, topic)).toBe(0);
  }, 60_000);

  it('publishes nothing for a rolled-back transaction', async () => {
    const { dataSource, log, topic } = await setUp();
    startRelay(dataSource, log);
    const outbox = new Outbox();
    await expect(
      dataSource.transaction(async (manager) => {
        await outbox.add(manager, topic, accountEvent(OPENED, 'acct-3', 5));
        throw new Error('the command was refused after writing');
      }),
    ).rejects.toThrow('refused');
    await dataSource.transaction((manager) => outbox.add(manager, topic, accountEvent(OPENED, 'acct-4', 5)));
    await eventually(async () => expect(await published(log, topic)).toBe(1));
    const events = [];
    for await (const event of log.read({ topic })) events.push(event.envelope.subject);
    expect(events).toEqual(['acct-4']);
  }, 60_000);

  it('a relay killed after its append and before its delete publishes twice; the inbox applies once, no inbox twice', async () => {
    const { schema, dataSource, log, topic } = await setUp();
    await dataSource.transaction((manager) => new Outbox().add(manager, topic, accountEvent(OPENED, 'acct-5', 7)));
    const worker = startWorker({ backend, databaseUrl: schema.url, topic, mode: 'relay' });
    scope.defer(() => worker.sigkill());
    await worker.next('appended');
    await worker.sigkill();
    expect(await outboxRows(dataSource)).toBe(1);

    startRelay(dataSource, log);
    await eventually(async () => expect(await outboxRows(dataSource)).toBe(0));
    expect(await published(log, topic)).toBe(2);

    const withInbox = await consumeDownstream(log, topic);
    await eventually(() => expect(withInbox.outcomes).toEqual(['applied', 'duplicate']));
    expect((await accountsState(withInbox.dataSource.manager))[0]).toMatchObject({ applied: 1, balance: '7' });
    await withInbox.stop();

    const withoutInbox = await consumeDownstream(log, topic, {
      claim: async () => true,
      claimAll: async (_manager, _group, events) => events.map(() => true),
    });
    await eventually(() => expect(withoutInbox.outcomes).toEqual(['applied', 'applied']));
    expect((await accountsState(withoutInbox.dataSource.manager))[0]).toMatchObject({ applied: 2, balance: '14' });
    await withoutInbox.stop();
  }, 90_000);

  it('keeps one relay active per outbox table; a standby takes over when it stops', async () => {
    const { dataSource, log } = await setUp();
    const first = new OutboxRelay({ dataSource, eventLog: log, logger: quietLogger, standbyRetryMs: 200 });
    const second = new OutboxRelay({ dataSource, eventLog: log, logger: quietLogger, standbyRetryMs: 200 });
    first.start();
    await eventually(() => expect(first.isActive).toBe(true));
    second.start();
    scope.defer(
      () => first.stop(),
      () => second.stop(),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(second.isActive).toBe(false);
    await first.stop();
    await eventually(() => expect(second.isActive).toBe(true));
  }, 30_000);
});
