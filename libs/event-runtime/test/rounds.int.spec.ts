// The PostgreSQL log reads every owned partition in one poll; the consumer applies that poll's
// batches (a round) in one transaction. A round that fails is delivered again whole by the log,
// and the runtime then applies it partition by partition, the failing event's partition event
// by event, so a poison event still costs exactly its retry budget and blocks no other partition.
import { describe, expect, it } from '@jest/globals';
import type { EventBatch, EventEnvelope, EventLog, LoggedEvent } from '@switchyard/event-log';
import { readAll, uniqueName } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { deadLetterTopic, EventConsumer, type EventHandler, type RetryPolicy } from '../src/index.js';
import { accountEvent, accountsState, applyAccountEvent, DEPOSITED } from './support/accounts.js';
import { createTopic, eventually, quietLogger } from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';

const PARTITIONS = 4;
const RETRY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 400, multiplier: 2 };

describe('rounds: a poll of several partitions applied together (PostgreSQL log)', () => {
  const scope = runtimeScope();

  async function setUp() {
    const { dataSource, log } = await scope.open('postgres');
    const topic = await createTopic(log, 'round-deposits', PARTITIONS);
    // Two deposits on each of twelve accounts, spread over every partition by key.
    const deposits: EventEnvelope[] = [];
    for (let round = 1; round <= 2; round++)
      for (let account = 0; account < 12; account++) deposits.push(accountEvent(DEPOSITED, `acct-${account}`, round));
    const positions = await log.append(topic, deposits);
    expect(new Set(positions.map((p) => p.partition)).size).toBe(PARTITIONS);
    const partitionOf = new Map(deposits.map((d, i) => [d.id, positions[i]!.partition]));
    return { dataSource, log, topic, deposits, partitionOf };
  }

  function consumer(dataSource: DataSource, log: EventLog, topic: string, handler: EventHandler) {
    const applied: LoggedEvent[] = [];
    const consumer = new EventConsumer({
      eventLog: log,
      dataSource,
      groupId: uniqueName('round'),
      topics: [topic],
      handlers: new Map([[DEPOSITED, handler]]),
      retry: RETRY,
      logger: quietLogger,
      onOutcome: (event, outcome) => {
        if (outcome === 'applied') applied.push(event);
      },
    });
    scope.defer(() => consumer.stop());
    return { consumer, applied };
  }

  it("applies the first poll's batches of every partition in one transaction", async () => {
    const { dataSource, log, topic, deposits } = await setUp();
    const transactionOf = new Map<string, string>();
    const { consumer: c, applied } = consumer(dataSource, log, topic, async (event, context) => {
      const [{ txid }] = (await context.manager.query('SELECT txid_current()::text AS txid')) as [{ txid: string }];
      transactionOf.set(event.envelope.id, txid);
      await applyAccountEvent(event, context);
    });
    await c.start();

    await eventually(() => expect(applied).toHaveLength(deposits.length), 30_000);
    // Everything was there before the member joined: one poll read all four partitions, one
    // transaction applied them (per partition, it would be four).
    expect(new Set(transactionOf.values()).size).toBe(1);
    expect(new Set(applied.map((e) => e.partition)).size).toBe(PARTITIONS);
    const state = await accountsState(dataSource.manager);
    expect(state).toHaveLength(12);
    for (const row of state) expect(row).toMatchObject({ balance: '3', applied: 2, history: ['1', '2'] });
    await eventually(async () => expect((await c.lag()).every((p) => p.lag === 0)).toBe(true));
  }, 60_000);

  it('a poison event in a round costs exactly its retry budget, is dead-lettered, and every other event is applied once', async () => {
    const { dataSource, log, topic, deposits, partitionOf } = await setUp();
    const poison = deposits[5]!;
    const attempts: number[] = [];
    const transactionOf = new Map<string, string>();
    const { consumer: c, applied } = consumer(dataSource, log, topic, async (event, context) => {
      if (event.envelope.id === poison.id) {
        attempts.push(Date.now());
        throw new Error('amount rejected by the ledger');
      }
      const [{ txid }] = (await context.manager.query('SELECT txid_current()::text AS txid')) as [{ txid: string }];
      transactionOf.set(event.envelope.id, txid);
      await applyAccountEvent(event, context);
    });
    await c.start();

    await eventually(() => expect(applied).toHaveLength(deposits.length - 1), 30_000);
    const letters = await eventually(async () => {
      const found = await readAll(log, deadLetterTopic(topic));
      expect(found).toHaveLength(1);
      return found;
    });
    expect(letters[0]!.envelope).toMatchObject({ causationId: poison.id });
    // The round's attempt was the first; then event by event, the second and the third.
    expect(attempts).toHaveLength(RETRY.maxAttempts);
    // The partitions without the poison event were applied a batch each (each in one transaction).
    const poisoned = partitionOf.get(poison.id)!;
    for (let partition = 0; partition < PARTITIONS; partition++) {
      if (partition === poisoned) continue;
      const ids = deposits.filter((d) => partitionOf.get(d.id) === partition).map((d) => transactionOf.get(d.id));
      expect(new Set(ids).size).toBe(1);
    }
    const balances = Object.fromEntries((await accountsState(dataSource.manager)).map((row) => [row.account_id, row]));
    for (let account = 0; account < 12; account++) {
      const expected = account === 5 ? { balance: '2', applied: 1 } : { balance: '3', applied: 2 };
      expect(balances[`acct-${account}`]).toMatchObject(expected);
    }
  }, 60_000);

  it('the log redelivers a rejected round whole, commits nothing of it, and commits all of it once it is taken', async () => {
    const { log, topic, deposits } = await setUp();
    const rounds: EventBatch[][] = [];
    const groupId = uniqueName('round-port');
    const handle = await log.consume(
      {
        groupId,
        topics: [topic],
        roundHandler: async (batches) => {
          rounds.push([...batches]);
          if (rounds.length === 1) {
            // Nothing of the rejected round may have been committed meanwhile.
            throw new Error('the round is refused once');
          }
        },
      },
      () => Promise.reject(new Error('a poll of four partitions goes to the round handler')),
    );
    scope.defer(() => handle.stop());

    await eventually(() => expect(rounds.length).toBeGreaterThanOrEqual(2), 30_000);
    const ids = (round: EventBatch[]) => round.flatMap((batch) => batch.events.map((e) => e.envelope.id)).sort();
    expect(rounds[0]!.map((b) => b.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(ids(rounds[0]!)).toEqual(deposits.map((d) => d.id).sort());
    expect(ids(rounds[1]!)).toEqual(ids(rounds[0]!));
    await eventually(async () => {
      const lag = await log.admin.lag(groupId, topic);
      expect(lag.map((p) => p.lag)).toEqual([0, 0, 0, 0]);
    });
    // Within a partition the round keeps the log's order.
    for (const batch of rounds[1]!) {
      const offsets = batch.events.map((e) => BigInt(e.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  }, 60_000);
});
