// A rebalance during processing — a second member joins, then the first leaves, while events
// keep arriving — makes no key skip or repeat an event: each account's history is exactly its
// events, in order.
import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '@switchyard/event-log';
import { uniqueName } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { EventConsumer, type EventHandler } from '../src/index.js';
import { accountEvent, applyAccountEvent, DEPOSITED } from './support/accounts.js';
import { BACKENDS, createTopic, eventually, openEventLog, openServiceDatabase, quietLogger } from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';

const KEYS = 8;
const PER_KEY = 30;

/** Account k's i-th event deposits i: its history must read 1, 2, ..., PER_KEY. */
function eventsOf(key: number, from: number, to: number): EventEnvelope[] {
  return Array.from({ length: to - from }, (_, i) => accountEvent(DEPOSITED, `acct-${key}`, from + i + 1));
}

describe.each(BACKENDS)('rebalance during processing on the %s log', (backend) => {
  const scope = runtimeScope();

  it('a member joining and one leaving mid-stream: no key skips or repeats an event', async () => {
    const logDb = await openServiceDatabase();
    scope.defer(
      () => logDb.schema.drop(),
      () => logDb.dataSource.destroy(),
    );
    const log = openEventLog(backend, logDb.schema.url);
    scope.defer(() => log.close());
    const { dataSource, schema } = await openServiceDatabase();
    scope.defer(
      () => schema.drop(),
      () => dataSource.destroy(),
    );
    const topic = await createTopic(log, 'accounts-rebalance', 4);
    const groupId = uniqueName('accounts');

    // Slow enough that batches are in flight when the group changes.
    const slowly: EventHandler = async (event, context) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await applyAccountEvent(event, context);
    };
    const appliedBy = new Map<string, number>();
    const member = (name: string): EventConsumer =>
      new EventConsumer({
        eventLog: log,
        dataSource,
        groupId,
        topics: [topic],
        handlers: new Map([[DEPOSITED, slowly]]),
        maxBatchSize: 5,
        logger: quietLogger,
        fromBeginning: true,
        onOutcome: (_, outcome) => void (outcome === 'applied' && appliedBy.set(name, (appliedBy.get(name) ?? 0) + 1)),
      });
    const applied = async (db: DataSource): Promise<number> =>
      Number((await db.query('SELECT COALESCE(SUM(applied), 0)::int AS n FROM accounts'))[0].n);

    const first = member('first');
    await first.start();
    await log.append(topic, Array.from({ length: KEYS }, (_, k) => eventsOf(k, 0, PER_KEY / 2)).flat());
    await eventually(async () => expect(await applied(dataSource)).toBeGreaterThan(20), 60_000);

    const second = member('second');
    await second.start(); // joins: partitions move while the first is mid-stream
    await log.append(topic, Array.from({ length: KEYS }, (_, k) => eventsOf(k, PER_KEY / 2, PER_KEY)).flat());
    await eventually(async () => expect(await applied(dataSource)).toBeGreaterThan(KEYS * PER_KEY * 0.6), 60_000);
    await first.stop(); // leaves: its partitions go to the second member

    try {
      await eventually(async () => expect(await applied(dataSource)).toBe(KEYS * PER_KEY), 90_000);
      const rows = (await dataSource.query('SELECT account_id, history FROM accounts ORDER BY account_id')) as {
        account_id: string;
        history: string[];
      }[];
      expect(rows).toHaveLength(KEYS);
      const expected = Array.from({ length: PER_KEY }, (_, i) => String(i + 1));
      for (const row of rows) expect(row.history).toEqual(expected);
      // Both members did part of the work: the partitions really moved during processing.
      expect(appliedBy.get('first')).toBeGreaterThan(0);
      expect(appliedBy.get('second')).toBeGreaterThan(0);
      expect((appliedBy.get('first') ?? 0) + (appliedBy.get('second') ?? 0)).toBe(KEYS * PER_KEY);
    } finally {
      await second.stop();
    }
  }, 240_000);
});
