// Exactly-once effects over at-least-once delivery: the inbox, on the real PostgreSQL server.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestSchema, type TestSchema } from '@switchyard/testing';
import pg from 'pg';
import { applyOnce, ensureRuntimeSchema } from '../src/index.js';

jest.setTimeout(60_000);

interface Deposit {
  id: string;
  account: string;
  amount: number;
}

/** A seeded generator: the same "random" redelivery pattern on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Each event 1-3 times, keys shuffled together, each key's own order kept (as a partition would). */
function redeliver(events: Deposit[], random: () => number): Deposit[] {
  const queues = new Map<string, Deposit[]>();
  for (const e of events) queues.set(e.account, [...(queues.get(e.account) ?? []), ...Array(1 + Math.floor(random() * 3)).fill(e)]);
  const out: Deposit[] = [];
  while ([...queues.values()].some((q) => q.length > 0)) {
    const open = [...queues.values()].filter((q) => q.length > 0);
    out.push(open[Math.floor(random() * open.length)]!.shift()!);
  }
  return out;
}

describe('inbox: a redelivered event changes nothing', () => {
  let schema: TestSchema;
  let pool: pg.Pool;
  const deposits: Deposit[] = Array.from({ length: 30 }, (_, i) => ({ id: `evt-${i}`, account: `acct-${i % 5}`, amount: i + 1 }));

  beforeAll(async () => {
    schema = await createTestSchema('inbox');
    pool = new pg.Pool({ connectionString: schema.url, max: 3 });
    await ensureRuntimeSchema(pool);
    await pool.query('CREATE TABLE balances (run text, account text, amount bigint NOT NULL, PRIMARY KEY (run, account))');
  });

  afterAll(async () => {
    await pool.end();
    await schema.drop();
  });

  const deposit = (run: string, e: Deposit) => async (tx: pg.PoolClient) => {
    await tx.query(
      `INSERT INTO balances (run, account, amount) VALUES ($1, $2, $3)
       ON CONFLICT (run, account) DO UPDATE SET amount = balances.amount + EXCLUDED.amount`,
      [run, e.account, e.amount],
    );
  };

  async function balances(run: string): Promise<Record<string, string>> {
    const { rows } = await pool.query<{ account: string; amount: string }>('SELECT account, amount FROM balances WHERE run = $1 ORDER BY account', [run]);
    return Object.fromEntries(rows.map((r) => [r.account, r.amount]));
  }

  it('given every event delivered 1-3 times shuffled across keys, then the state equals a run without duplicates', async () => {
    for (const e of deposits) await applyOnce(pool, { consumer: 'reference', eventId: e.id }, deposit('reference', e));
    const deliveries = redeliver(deposits, seeded(42));
    expect(deliveries.length).toBeGreaterThan(deposits.length);

    const results = [];
    for (const e of deliveries) results.push(await applyOnce(pool, { consumer: 'redelivered', eventId: e.id }, deposit('redelivered', e)));

    expect(await balances('redelivered')).toEqual(await balances('reference'));
    expect(results.filter((r) => r === 'applied')).toHaveLength(deposits.length);
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(deliveries.length - deposits.length);
  });

  it('with the inbox switched off, the same deliveries corrupt the state (the mechanism is what makes it pass)', async () => {
    const deliveries = redeliver(deposits, seeded(42));
    for (const e of deliveries) {
      const tx = await pool.connect();
      try {
        await deposit('no-inbox', e)(tx);
      } finally {
        tx.release();
      }
    }
    expect(await balances('no-inbox')).not.toEqual(await balances('reference'));
  });

  it('given a state change that fails, then the inbox row is rolled back with it and the event can be applied later', async () => {
    const e = { id: 'evt-failing', account: 'acct-x', amount: 5 };
    await expect(
      applyOnce(pool, { consumer: 'failing', eventId: e.id }, async (tx) => {
        await deposit('failing', e)(tx);
        throw new Error('projection bug');
      }),
    ).rejects.toThrow('projection bug');
    expect(await balances('failing')).toEqual({});
    expect(await applyOnce(pool, { consumer: 'failing', eventId: e.id }, deposit('failing', e))).toBe('applied');
    expect(await balances('failing')).toEqual({ 'acct-x': '5' });
  });
});
