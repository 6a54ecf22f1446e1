// Every event delivered 1–3 times, shuffled across keys with each key's order kept: the inbox
// makes the final state identical to a run where every event arrived once. Without the inbox
// (a claim that always succeeds) the same deliveries give a different state.
import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope, EventLog } from '@switchyard/event-log';
import { uniqueName, type TestSchema } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { EventConsumer, type InboxStore } from '../src/index.js';
import { accountEvent, accountsState, applyAccountEvent, DEPOSITED, WITHDRAWN, type AccountRow } from './support/accounts.js';
import { BACKENDS, createTopic, eventually, openEventLog, openServiceDatabase, quietLogger } from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';

const noInbox: InboxStore = { claim: async () => true, claimAll: async (_manager, _group, events) => events.map(() => true) };

/** A seeded generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

function history(accounts: number, perAccount: number, rnd: () => number): Map<string, EventEnvelope[]> {
  const byKey = new Map<string, EventEnvelope[]>();
  for (let a = 0; a < accounts; a++) {
    const id = `acct-${a}`;
    byKey.set(
      id,
      Array.from({ length: perAccount }, () => accountEvent(rnd() < 0.55 ? DEPOSITED : WITHDRAWN, id, 1 + Math.floor(rnd() * 50))),
    );
  }
  return byKey;
}

/** Each event 1–3 times; copies may come later than the next event (a redelivery does). */
function withDuplicates(events: readonly EventEnvelope[], rnd: () => number): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  const late: EventEnvelope[] = [];
  for (const event of events) {
    out.push(event);
    const copies = Math.floor(rnd() * 3);
    for (let c = 0; c < copies; c++) (rnd() < 0.5 ? out : late).push(event);
    if (late.length > 0 && rnd() < 0.5) out.push(late.shift()!);
  }
  return [...out, ...late];
}

/** Interleaves the keys' sequences at random, keeping each key's own order. */
function shuffleAcrossKeys(sequences: EventEnvelope[][], rnd: () => number): EventEnvelope[] {
  const queues = sequences.map((s) => [...s]);
  const merged: EventEnvelope[] = [];
  for (;;) {
    const open = queues.filter((q) => q.length > 0);
    if (open.length === 0) return merged;
    merged.push(open[Math.floor(rnd() * open.length)]!.shift()!);
  }
}

describe.each(BACKENDS)('duplicate deliveries on the %s log', (backend) => {
  const scope = runtimeScope();

  async function database(): Promise<{ schema: TestSchema; dataSource: DataSource }> {
    const db = await openServiceDatabase();
    scope.defer(
      () => db.schema.drop(),
      () => db.dataSource.destroy(),
    );
    return db;
  }

  async function fold(log: EventLog, dataSource: DataSource, topic: string, records: number, inbox?: InboxStore): Promise<AccountRow[]> {
    let seen = 0;
    const consumer = new EventConsumer({
      eventLog: log,
      dataSource,
      groupId: uniqueName('accounts'),
      topics: [topic],
      handlers: new Map([
        [DEPOSITED, applyAccountEvent],
        [WITHDRAWN, applyAccountEvent],
      ]),
      inbox,
      maxBatchSize: 20,
      logger: quietLogger,
      onOutcome: () => {
        seen++;
      },
    });
    await consumer.start();
    try {
      await eventually(() => expect(seen).toBe(records), 60_000);
    } finally {
      await consumer.stop();
    }
    return accountsState(dataSource.manager);
  }

  it('gives the state of a run without duplicates, and a different one without the inbox', async () => {
    const logDb = await database();
    const log = openEventLog(backend, logDb.schema.url);
    scope.defer(() => log.close());
    const rnd = random(20260124);
    const byKey = history(6, 15, rnd);
    const once = shuffleAcrossKeys([...byKey.values()], rnd);
    const duplicated = shuffleAcrossKeys(
      [...byKey.values()].map((events) => withDuplicates(events, rnd)),
      rnd,
    );
    expect(duplicated.length).toBeGreaterThan(once.length);

    const onceTopic = await createTopic(log, 'accounts-once', 3);
    const dupTopic = await createTopic(log, 'accounts-dup', 3);
    await log.append(onceTopic, once);
    await log.append(dupTopic, duplicated);

    const baseline = await fold(log, (await database()).dataSource, onceTopic, once.length);
    const deduplicated = await fold(log, (await database()).dataSource, dupTopic, duplicated.length);
    const withoutInbox = await fold(log, (await database()).dataSource, dupTopic, duplicated.length, noInbox);

    expect(baseline).toHaveLength(6);
    expect(deduplicated).toEqual(baseline);
    // Mechanism off: the duplicates are applied, so balances, refusals or histories differ.
    expect(withoutInbox).not.toEqual(baseline);
    expect(withoutInbox.reduce((n, a) => n + a.applied, 0)).toBe(duplicated.length);
  }, 120_000);
});
