// Rebuilding a projection from the log and swapping it in, with the runtime's test domain
// (account balances: not idempotent, so an event applied twice shows). The live consumer keeps
// the projection up to date before and after the swap; the inbox claims move with the tables, so
// an event the rebuild folded is not applied again by the live consumer. Mechanism off: claims
// carried over under another group's name, and the live consumer applies those events twice.
import { describe, expect, it } from '@jest/globals';
import type { EventLog } from '@switchyard/event-log';
import { uniqueName, type TestSchema } from '@switchyard/testing';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import {
  APPLIED,
  EventConsumer,
  eventRuntimeMigrations,
  Outbox,
  OutboxRelay,
  ProjectionRebuildError,
  rebuildProjection,
  type Projection,
  type RebuildProjectionOptions,
} from '../src/index.js';
import { accountEvent, accountsState, applyAccountEvent, CreateAccounts1764000000100, DEPOSITED, WITHDRAWN } from './support/accounts.js';
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

const POISON = 'poison-account';

function accountsProjection(topic: string): Projection {
  return {
    name: 'accounts',
    description: 'account balances (test)',
    service: 'event-runtime-test',
    defaultSchema: 'unused',
    defaultConsumerGroup: 'unused',
    tables: ['accounts'],
    migrations: [...eventRuntimeMigrations, CreateAccounts1764000000100],
    sources: () => [{ topic, types: [DEPOSITED, WITHDRAWN] }],
    async apply(manager, event) {
      if (event.envelope.subject === POISON) throw new Error('this account cannot be folded');
      await applyAccountEvent(event, { manager, event, emit: () => Promise.reject(new Error('a projection emits nothing')) });
      return APPLIED;
    },
  };
}

const schemaOf = (schema: TestSchema) => new URL(schema.url).searchParams.get('options')!.replace('-c search_path=', '');

describe.each(BACKENDS)('rebuilding a projection on the %s log', (backend: Backend) => {
  const scope = runtimeScope();

  async function setUp() {
    const service = await openServiceDatabase();
    const logDb = await openServiceDatabase();
    const log: EventLog = openEventLog(backend, logDb.schema.url);
    const topic = await createTopic(log, 'accounts-rebuild', 3);
    const schema = schemaOf(service.schema);
    const admin = new pg.Client({ connectionString: service.schema.url });
    await admin.connect();
    scope.defer(
      () => logDb.schema.drop(),
      () => logDb.dataSource.destroy(),
      () => service.schema.drop(),
      () => service.dataSource.destroy(),
      () => log.close(),
      () => admin.end(),
      async () => {
        const { rows } = await admin.query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE $1', [
          `${schema}\\_%`,
        ]);
        for (const { name } of rows) await admin.query(`DROP SCHEMA "${name}" CASCADE`);
      },
    );
    const groupId = uniqueName('accounts');
    let seen = 0;
    const consumer = (dataSource: DataSource = service.dataSource) =>
      new EventConsumer({
        eventLog: log,
        dataSource,
        groupId,
        topics: [topic],
        handlers: new Map([
          [DEPOSITED, applyAccountEvent],
          [WITHDRAWN, applyAccountEvent],
        ]),
        maxBatchSize: 20,
        logger: quietLogger,
        onOutcome: () => {
          seen++;
        },
      });
    const oid = async (table: string, inSchema = schema) =>
      (await admin.query<{ oid: number | null }>('SELECT to_regclass($1)::oid::int AS oid', [`"${inSchema}"."${table}"`])).rows[0]!.oid;
    const rebuild = (options: Partial<RebuildProjectionOptions> = {}) =>
      rebuildProjection({
        projection: accountsProjection(topic),
        eventLog: log,
        databaseUrl: service.schema.url,
        schema,
        consumerGroup: groupId,
        topicPrefix: '',
        ...options,
      });
    return { service, log, topic, schema, admin, groupId, consumer, seen: () => seen, oid, rebuild };
  }

  const deposits = (account: string, count: number, from = 1) =>
    Array.from({ length: count }, (_, i) => accountEvent(DEPOSITED, account, from + i));

  it('swaps in the fold of the whole log; events it folded ahead of the live consumer are not applied twice, unless the claims go to another group', async () => {
    const fx = await setUp();
    // Some history, with a relay's duplicate append: the same event id twice in the log.
    const early = [...deposits('acct-a', 10), ...deposits('acct-b', 10), accountEvent(WITHDRAWN, 'acct-a', 5)];
    await fx.log.append(fx.topic, [...early, early[3]!]);
    const live = fx.consumer();
    await live.start();
    await eventually(() => expect(fx.seen()).toBe(early.length + 1), 60_000);
    await live.stop();
    const beforeOid = await fx.oid('accounts');

    // The live consumer is behind: these arrive while it is stopped, and the rebuild folds them.
    const late = [...deposits('acct-a', 5, 100), ...deposits('acct-c', 5, 100)];
    await fx.log.append(fx.topic, late);
    const report = await fx.rebuild();
    expect(report.events).toMatchObject({
      read: early.length + 1 + late.length,
      applied: early.length + late.length,
      duplicates: 1,
      failed: 0,
    });
    expect(report.tables).toEqual([{ table: 'accounts', rows: 3 }]);
    expect(await fx.oid('accounts')).not.toBe(beforeOid);
    expect(await fx.oid('accounts', report.retiredSchema!)).toBe(beforeOid);
    const rebuilt = await accountsState(fx.service.dataSource.manager);
    expect(rebuilt.map((a) => [a.account_id, a.applied])).toEqual([
      ['acct-a', 16],
      ['acct-b', 10],
      ['acct-c', 5],
    ]);

    // The live consumer resumes and is handed the late events again: the claims that came with
    // the tables make them duplicates.
    const resumed = fx.consumer();
    await resumed.start();
    await eventually(() => expect(fx.seen()).toBe(early.length + 1 + late.length), 60_000);
    await resumed.stop();
    expect(await accountsState(fx.service.dataSource.manager)).toEqual(rebuilt);
    // The same with the claims carried over under another group's name: the late events are
    // applied a second time.
    const other = await setUp();
    await other.log.append(other.topic, early);
    const otherLive = other.consumer();
    await otherLive.start();
    await eventually(() => expect(other.seen()).toBe(early.length), 60_000);
    await otherLive.stop();
    await other.log.append(other.topic, late);
    await other.rebuild({ consumerGroup: 'some-other-group' });
    const wrong = other.consumer();
    await wrong.start();
    await eventually(() => expect(other.seen()).toBe(early.length + late.length), 60_000);
    await wrong.stop();
    const doubled = await accountsState(other.service.dataSource.manager);
    expect(doubled.map((a) => [a.account_id, a.applied])).toEqual([
      ['acct-a', 21],
      ['acct-b', 10],
      ['acct-c', 10],
    ]);
  }, 180_000);

  it('keeps every event appended while it runs, with the live consumer applying them', async () => {
    const fx = await setUp();
    await fx.log.append(fx.topic, [...deposits('acct-a', 50), ...deposits('acct-b', 50)]);
    const live = fx.consumer();
    await live.start();
    let appended = 100;
    let appending = true;
    const appender = (async () => {
      for (let round = 0; appending; round++) {
        await fx.log.append(fx.topic, deposits(`acct-${round % 4}`, 5, round * 10));
        appended += 5;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await fx.rebuild({ dropRetired: true });
    } finally {
      appending = false;
      await appender;
    }
    await eventually(() => expect(fx.seen()).toBe(appended), 60_000);
    await live.stop();
    const state = await accountsState(fx.service.dataSource.manager);
    expect(state.reduce((n, a) => n + a.applied, 0)).toBe(appended);
    // And it is what folding the whole log from scratch gives.
    const again = await fx.rebuild();
    expect(again.events.applied).toBe(appended);
    expect(await accountsState(fx.service.dataSource.manager)).toEqual(state);
  }, 180_000);

  if (backend === 'postgres') {
    it('folds what the service committed to its outbox but has not published; the live consumer applies it once', async () => {
      const fx = await setUp();
      await fx.log.append(fx.topic, deposits('acct-a', 3));
      const live = fx.consumer();
      await live.start();
      await eventually(() => expect(fx.seen()).toBe(3), 60_000);
      // A command's event, committed with its state change but not yet relayed to the log.
      const pending = accountEvent(DEPOSITED, 'acct-a', 1000);
      await fx.service.dataSource.transaction((tx) => new Outbox().add(tx, fx.topic, pending));
      const report = await fx.rebuild();
      expect(report.events).toMatchObject({ fromOutbox: 1, applied: 4 });
      expect((await accountsState(fx.service.dataSource.manager))[0]).toMatchObject({ account_id: 'acct-a', balance: '1006', applied: 4 });

      const relay = new OutboxRelay({ dataSource: fx.service.dataSource, eventLog: fx.log, pollIntervalMs: 100, logger: quietLogger });
      relay.start();
      await eventually(() => expect(fx.seen()).toBe(4), 60_000);
      await relay.stop();
      await live.stop();
      expect((await accountsState(fx.service.dataSource.manager))[0]).toMatchObject({ balance: '1006', applied: 4 });
    }, 120_000);

    it('stops at an event that fails to apply and swaps nothing; with skipFailed it swaps and lists the event', async () => {
      const fx = await setUp();
      const poison = accountEvent(DEPOSITED, POISON, 1);
      await fx.log.append(fx.topic, [...deposits('acct-a', 3), poison]);
      const beforeOid = await fx.oid('accounts');
      const failure = await fx.rebuild().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ProjectionRebuildError);
      expect(failure).toMatchObject({ kind: 'failed-event', message: expect.stringContaining(`${DEPOSITED} ${poison.id}`) });
      expect(await fx.oid('accounts')).toBe(beforeOid);
      expect(await fx.oid('accounts', `${fx.schema}_rebuild_accounts`)).toBeNull();

      const report = await fx.rebuild({ skipFailed: true });
      expect(report.events).toMatchObject({ applied: 3, failed: 1 });
      expect(report.failures).toEqual([expect.objectContaining({ id: poison.id, error: 'this account cannot be folded' })]);
      expect(await fx.oid('accounts')).not.toBe(beforeOid);
      // The failed event's claim was undone with it, as the live consumer's would be.
      expect((await fx.admin.query('SELECT 1 FROM event_inbox WHERE event_id = $1', [poison.id])).rowCount).toBe(0);
    }, 120_000);

    it('refuses live tables that differ from what the migrations make, and a second rebuild of the same projection at once', async () => {
      const fx = await setUp();
      await fx.log.append(fx.topic, deposits('acct-a', 3));
      await fx.admin.query('ALTER TABLE accounts ADD COLUMN note text');
      await expect(fx.rebuild()).rejects.toMatchObject({
        kind: 'incompatible',
        message: expect.stringContaining('live has accounts.note text'),
      });
      await fx.admin.query('ALTER TABLE accounts DROP COLUMN note');

      const holder = new pg.Client({ connectionString: fx.service.schema.url });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`switchyard-rebuild:${fx.schema}.accounts`]);
        await expect(fx.rebuild()).rejects.toMatchObject({ kind: 'busy' });
      } finally {
        await holder.end();
      }
      await expect(fx.rebuild({ schema: 'no_such_schema' })).rejects.toMatchObject({ kind: 'not-found' });
      expect((await fx.rebuild()).events.applied).toBe(3);

      // The wrong topics (an empty one here, a mistyped prefix in practice) would swap in empty
      // tables over live rows: refused, nothing swapped.
      const liveOid = await fx.oid('accounts');
      const empty = await createTopic(fx.log, 'accounts-empty', 3);
      await expect(fx.rebuild({ projection: accountsProjection(empty) })).rejects.toMatchObject({
        kind: 'incompatible',
        message: expect.stringContaining('is the topic prefix right?'),
      });
      expect(await fx.oid('accounts')).toBe(liveOid);
      await expect(fx.rebuild({ projection: accountsProjection('no-such-topic') })).rejects.toMatchObject({ kind: 'not-found' });
    }, 120_000);
  }
});
