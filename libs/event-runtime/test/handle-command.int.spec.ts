// handleCommand on real PostgreSQL: the decision's rows and its outbox events commit together or
// not at all, a command that lost a race to a concurrent writer is decided again from a fresh
// load, and inside a consumed event's transaction the events go to that transaction's emit.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '@switchyard/event-log';
import type { TestSchema } from '@switchyard/testing';
import type { DataSource, EntityManager } from 'typeorm';
import { handleCommand, isUniqueViolation, type Command } from '../src/index.js';
import { accountEvent, OPENED, WITHDRAWN } from './support/accounts.js';
import { openServiceDatabase } from './support/runtime-fixture.js';

type Withdrawal = { kind: 'withdrawn'; balance: number } | { kind: 'refused'; balance: number };

/** Withdraw `amount` from an account: refused when the balance would go negative. */
function withdraw(accountId: string, amount: number, failAfterWrite = false): Command<{ balance: number }, Withdrawal, Withdrawal> {
  return {
    load: async (tx) => {
      const rows = (await tx.query('SELECT balance FROM accounts WHERE account_id = $1 FOR UPDATE', [accountId])) as { balance: string }[];
      return { balance: Number(rows[0]?.balance ?? 0) };
    },
    decide: ({ balance }) => (balance - amount < 0 ? { kind: 'refused', balance } : { kind: 'withdrawn', balance: balance - amount }),
    persist: async (tx, decision) => {
      if (decision.kind === 'refused') return { result: decision };
      await tx.query('UPDATE accounts SET balance = $2 WHERE account_id = $1', [accountId, decision.balance]);
      if (failAfterWrite) throw new Error('the disk is full');
      return { result: decision, events: [{ topic: 'accounts', envelopes: [accountEvent(WITHDRAWN, accountId, amount)] }] };
    },
  };
}

/** Open an account once: a second opening answers 'already-open'. */
function open(accountId: string, onLoaded?: () => Promise<void>): Command<boolean, 'open' | 'already-open', 'opened' | 'already-open'> {
  return {
    load: async (tx) => {
      const rows = (await tx.query('SELECT 1 FROM accounts WHERE account_id = $1', [accountId])) as unknown[];
      await onLoaded?.();
      return rows.length > 0;
    },
    decide: (exists) => (exists ? 'already-open' : 'open'),
    persist: async (tx, decision) => {
      if (decision === 'already-open') return { result: 'already-open' };
      await tx.query('INSERT INTO accounts (account_id, balance) VALUES ($1, 0)', [accountId]);
      return { result: 'opened', events: [{ topic: 'accounts', envelopes: [accountEvent(OPENED, accountId, 0)] }] };
    },
  };
}

describe('handleCommand', () => {
  let schema: TestSchema;
  let db: DataSource;
  const outboxOf = async (accountId: string): Promise<string[]> =>
    (
      (await db.query(`SELECT envelope->>'type' AS type FROM event_outbox WHERE envelope->>'subject' = $1 ORDER BY id`, [accountId])) as {
        type: string;
      }[]
    ).map((r) => r.type);
  const balanceOf = async (accountId: string): Promise<number | undefined> => {
    const rows = (await db.query('SELECT balance FROM accounts WHERE account_id = $1', [accountId])) as { balance: string }[];
    return rows[0] === undefined ? undefined : Number(rows[0].balance);
  };

  beforeAll(async () => {
    ({ schema, dataSource: db } = await openServiceDatabase());
  });
  afterAll(async () => {
    await db.destroy();
    await schema.drop();
  });

  it('commits the decision and its events together; a refusal writes neither', async () => {
    await db.query("INSERT INTO accounts (account_id, balance) VALUES ('acct-1', 10)");
    expect(await handleCommand(db, withdraw('acct-1', 7))).toEqual({ kind: 'withdrawn', balance: 3 });
    expect(await handleCommand(db, withdraw('acct-1', 7))).toEqual({ kind: 'refused', balance: 3 });
    expect(await balanceOf('acct-1')).toBe(3);
    expect(await outboxOf('acct-1')).toEqual([WITHDRAWN]);
  });

  it('a failure after the write rolls back the rows with the events', async () => {
    await db.query("INSERT INTO accounts (account_id, balance) VALUES ('acct-2', 10)");
    await expect(handleCommand(db, withdraw('acct-2', 4, true))).rejects.toThrow('the disk is full');
    expect(await balanceOf('acct-2')).toBe(10);
    expect(await outboxOf('acct-2')).toEqual([]);
  });

  it('a command that lost a race is decided again from a fresh load, when told to retry', async () => {
    // Both load before either inserts: both decide 'open', one commits, the other hits the key.
    let loaded = 0;
    let release!: () => void;
    const bothLoaded = new Promise<void>((resolve) => (release = resolve));
    const barrier = async (): Promise<void> => {
      loaded += 1;
      if (loaded === 2) release();
      if (loaded <= 2) await bothLoaded;
    };
    const retry = { attempts: 3, when: isUniqueViolation };
    const answers = await Promise.all([
      handleCommand(db, open('acct-3', barrier), { retry }),
      handleCommand(db, open('acct-3', barrier), { retry }),
    ]);
    expect(answers.sort()).toEqual(['already-open', 'opened']);
    expect(loaded).toBe(3);
    expect(await outboxOf('acct-3')).toEqual([OPENED]);
  });

  it('without retry, the lost race fails with the conflict', async () => {
    let loaded = 0;
    let release!: () => void;
    const bothLoaded = new Promise<void>((resolve) => (release = resolve));
    const barrier = async (): Promise<void> => {
      loaded += 1;
      if (loaded === 2) release();
      await bothLoaded;
    };
    const outcomes = await Promise.allSettled([handleCommand(db, open('acct-4', barrier)), handleCommand(db, open('acct-4', barrier))]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(isUniqueViolation((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toBe(true);
  });

  it("inside a consumed event's transaction, the events go to its emit and commit with it", async () => {
    await db.query("INSERT INTO accounts (account_id, balance) VALUES ('acct-5', 10)");
    const emitted: { topic: string; envelopes: readonly EventEnvelope[] }[] = [];
    await db.transaction(async (manager: EntityManager) => {
      const emit = async (topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void> => {
        emitted.push({ topic, envelopes: Array.isArray(envelopes) ? envelopes : [envelopes as EventEnvelope] });
      };
      expect(await handleCommand({ manager, emit }, withdraw('acct-5', 6))).toEqual({ kind: 'withdrawn', balance: 4 });
    });
    expect(emitted.map((e) => [e.topic, e.envelopes.map((x) => x.type)])).toEqual([['accounts', [WITHDRAWN]]]);
    expect(await balanceOf('acct-5')).toBe(4);
    expect(await outboxOf('acct-5')).toEqual([]); // the consumer's emit decides where they go
  });
});
