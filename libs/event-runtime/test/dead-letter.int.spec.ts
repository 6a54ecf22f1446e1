// A poison event is retried with backoff, then lands in `<topic>-dlt` with where it came from
// and why, and the rest of its partition goes on within about the backoff. Without a dead letter
// (retry forever) the partition is blocked. Re-driving the DLT twice applies the event once.
import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope, EventLog, LoggedEvent } from '@switchyard/event-log';
import { readAll, uniqueName } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import {
  DEAD_LETTER_TYPE,
  deadLetterTopic,
  EventConsumer,
  fromDeadLetterEnvelope,
  redriveDeadLetters,
  worstCaseDelay,
  type EventHandler,
  type InboxStore,
  type RetryPolicy,
} from '../src/index.js';
import { accountEvent, accountsState, applyAccountEvent, DEPOSITED } from './support/accounts.js';
import { BACKENDS, createTopic, eventually, openServiceDatabase, quietLogger, type Backend } from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';

const RETRY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 1_000, multiplier: 2 };

describe.each(BACKENDS)('retries and dead letters, %s log', (backend: Backend) => {
  const scope = runtimeScope();

  async function setUp(): Promise<{ dataSource: DataSource; log: EventLog; topic: string }> {
    const { dataSource, log } = await scope.open(backend);
    return { dataSource, log, topic: await createTopic(log, 'deposits', 1) };
  }

  /** Applies deposits, but fails every attempt at `poisonId` while `poisoned()` says so. */
  function poisonable(poisonId: string, poisoned: () => boolean, attempts: number[]): EventHandler {
    return async (event, context) => {
      if (event.envelope.id === poisonId && poisoned()) {
        attempts.push(Date.now());
        throw new Error(`cannot apply ${event.envelope.id}: amount rejected by the ledger`);
      }
      await applyAccountEvent(event, context);
    };
  }

  async function consume(options: {
    dataSource: DataSource;
    log: EventLog;
    topic: string;
    handler: EventHandler;
    retry?: RetryPolicy;
    inbox?: InboxStore;
  }) {
    const appliedAt = new Map<string, number>();
    const consumer = new EventConsumer({
      eventLog: options.log,
      dataSource: options.dataSource,
      groupId: uniqueName('deposits'),
      topics: [options.topic],
      handlers: new Map([[DEPOSITED, options.handler]]),
      retry: options.retry ?? RETRY,
      inbox: options.inbox,
      logger: quietLogger,
      onOutcome: (event: LoggedEvent, outcome) => {
        if (outcome === 'applied') appliedAt.set(event.envelope.id, Date.now());
      },
    });
    await consumer.start();
    scope.defer(() => consumer.stop());
    return { consumer, appliedAt };
  }

  function events(): { poison: EventEnvelope; before: EventEnvelope; after: EventEnvelope[] } {
    return {
      before: accountEvent(DEPOSITED, 'acct-a', 5),
      poison: accountEvent(DEPOSITED, 'acct-b', 13),
      after: [accountEvent(DEPOSITED, 'acct-a', 7), accountEvent(DEPOSITED, 'acct-c', 11)],
    };
  }

  it('dead-letters a poison event after N attempts with its origin, and the partition moves on within the backoff', async () => {
    const { dataSource, log, topic } = await setUp();
    const { before, poison, after } = events();
    const positions = await log.append(topic, [before, poison, ...after]);
    const attempts: number[] = [];
    const { consumer, appliedAt } = await consume({ dataSource, log, topic, handler: poisonable(poison.id, () => true, attempts) });

    await eventually(() => expect(appliedAt.size).toBe(3), 30_000);
    expect(attempts).toHaveLength(RETRY.maxAttempts);
    // Held up by the backoff between attempts (200 + 400 ms) — and then applied: the poison event
    // went to the dead letters instead of blocking the partition (how much longer it took depends
    // on the machine, so it is not asserted).
    const heldUp = appliedAt.get(after[0]!.id)! - attempts[0]!;
    expect(heldUp).toBeGreaterThanOrEqual(worstCaseDelay(RETRY));

    const dlt = await eventually(async () => {
      const letters = await readAll(log, deadLetterTopic(topic));
      expect(letters).toHaveLength(1);
      return letters;
    });
    expect(dlt[0]!.envelope).toMatchObject({ type: DEAD_LETTER_TYPE, subject: poison.subject, causationId: poison.id });
    // The origin and the failure travel as record headers (ce_dlt*), decoded back as extensions.
    expect(dlt[0]!.envelope.extensions).toEqual({
      dlttopic: topic,
      dltpartition: String(positions[1]!.partition),
      dltoffset: positions[1]!.offset,
      dlterror: `cannot apply ${poison.id}: amount rejected by the ledger`,
      dltattempts: String(RETRY.maxAttempts),
      dltgroup: expect.any(String),
    });
    expect(fromDeadLetterEnvelope(dlt[0]!.envelope)).toMatchObject({
      originalTopic: topic,
      originalPartition: positions[1]!.partition,
      originalOffset: positions[1]!.offset,
      error: `cannot apply ${poison.id}: amount rejected by the ledger`,
      attempts: RETRY.maxAttempts,
      envelope: poison,
    });
    expect(await accountsState(dataSource.manager)).toEqual([
      expect.objectContaining({ account_id: 'acct-a', balance: '12' }),
      expect.objectContaining({ account_id: 'acct-c', balance: '11' }),
    ]);
    // The lag figure: everything consumed, the poison included.
    await eventually(async () => expect(await consumer.lag()).toEqual([expect.objectContaining({ partition: 0, lag: 0 })]));
  }, 60_000);

  it('without a dead letter (retry forever) the rest of the partition is blocked (mechanism off)', async () => {
    const { dataSource, log, topic } = await setUp();
    const { before, poison, after } = events();
    await log.append(topic, [before, poison, ...after]);
    const attempts: number[] = [];
    const { consumer, appliedAt } = await consume({
      dataSource,
      log,
      topic,
      handler: poisonable(poison.id, () => true, attempts),
      retry: { ...RETRY, maxAttempts: Number.POSITIVE_INFINITY },
    });
    // Past the attempts a finite policy would have made, the poison is still being retried.
    await eventually(() => expect(attempts.length).toBeGreaterThan(RETRY.maxAttempts), 30_000);
    expect([...appliedAt.keys()]).toEqual([before.id]);
    // Stopping abandons the stuck batch uncommitted instead of waiting for it forever.
    await consumer.stop();
  }, 60_000);

  it('re-driving the DLT twice applies the event once; without the inbox, twice (mechanism off)', async () => {
    const { dataSource, log, topic } = await setUp();
    const { before, poison, after } = events();
    await log.append(topic, [before, poison, ...after]);
    let poisoned = true;
    const { appliedAt } = await consume({ dataSource, log, topic, handler: poisonable(poison.id, () => poisoned, []) });
    await eventually(async () => expect(await readAll(log, deadLetterTopic(topic))).toHaveLength(1), 30_000);

    // The cause is fixed (a deploy, a config change); the operator re-drives, and by mistake again.
    poisoned = false;
    await redriveDeadLetters(log, { dltTopic: deadLetterTopic(topic) });
    const second = await redriveDeadLetters(log, { dltTopic: deadLetterTopic(topic) });
    expect([...second.appended]).toEqual([[topic, 1]]);
    await eventually(() => expect(appliedAt.has(poison.id)).toBe(true), 30_000);
    const copies = (await readAll(log, topic)).filter((e) => e.envelope.id === poison.id);
    expect(copies).toHaveLength(3);

    const otherDb = await openServiceDatabase();
    scope.defer(
      () => otherDb.schema.drop(),
      () => otherDb.dataSource.destroy(),
    );
    const withoutInbox = await consume({
      dataSource: otherDb.dataSource,
      log,
      topic,
      handler: applyAccountEvent,
      inbox: { claim: async () => true, claimAll: async (_manager, _group, events) => events.map(() => true) },
    });
    await eventually(() => expect(withoutInbox.appliedAt.size).toBe(4), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const poisoned_ = async (ds: DataSource) => (await accountsState(ds.manager)).find((a) => a.account_id === 'acct-b');
    await eventually(async () => expect(await poisoned_(dataSource)).toMatchObject({ balance: '13', applied: 1 }));
    // The same log without the inbox: the original and both re-driven copies are applied.
    await eventually(async () => expect(await poisoned_(otherDb.dataSource)).toMatchObject({ balance: '39', applied: 3 }));
  }, 90_000);
});
