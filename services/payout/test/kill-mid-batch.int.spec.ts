// A payout process SIGKILLed while it posts a batch of UsageMetered: after a restart every usage
// is posted exactly once and the balances are what they would have been without the crash.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  eventually,
  payoutFixture,
  spawnPayout,
  usageMetered,
  type Backend,
  type PayoutFixture,
  type UsageSpec,
} from './support/payout-fixture.js';

const COUNT = 400;
const base = new Date(Date.now() - 3_600_000);
const USAGES: UsageSpec[] = Array.from({ length: COUNT }, (_, i) => ({
  usageId: `kill-u-${i}`,
  jobId: `kill-job-${i % 37}`,
  tenantId: i % 3 === 0 ? 'globex' : 'acme',
  providerId: `gpu-${i % 5}`,
  earning: 1_000_003n * BigInt(i + 1),
  fee: 97n * BigInt(i + 1),
  meteredAt: new Date(base.getTime() + i * 1000),
}));

describe.each<Backend>(['kafka', 'postgres'])('payout process killed mid-batch (%s event log)', (backend) => {
  let fx: PayoutFixture;

  beforeAll(async () => {
    fx = await payoutFixture({ backend });
  }, 30_000);

  afterAll(async () => {
    await fx?.close();
  }, 60_000);

  const postings = async (): Promise<number> =>
    Number(
      (
        await fx.db
          .query<{ n: string }>("SELECT count(*) AS n FROM ledger_postings WHERE kind = 'USAGE'")
          .catch(() => ({ rows: [{ n: '0' }] }))
      ).rows[0]!.n,
    );

  it('SIGKILL while posting, then restart: every usage posted once, balances exact, ledger sums to zero', async () => {
    const first = await spawnPayout(fx.env);
    try {
      await fx.log.append(
        fx.topics.usage,
        USAGES.map((u) => usageMetered(u)),
      );
      // Kill as soon as part of the batch is in: the consumer is between commits.
      await eventually(async () => expect(await postings()).toBeGreaterThan(0), 60_000);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    const postedAtKill = await postings();
    expect(postedAtKill).toBeLessThan(COUNT);

    const second = await spawnPayout(fx.env);
    try {
      await eventually(async () => expect(await postings()).toBe(COUNT), 90_000);
      // Give redelivered events time to arrive and be absorbed, then check nothing moved.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const { rows } = await fx.db.query<{ account_id: string; balance: string }>(
        'SELECT account_id, sum(amount)::text AS balance FROM ledger_entries GROUP BY account_id',
      );
      const balances = Object.fromEntries(rows.map((row) => [row.account_id, BigInt(row.balance)]));
      const expected = new Map<string, bigint>();
      const add = (account: string, amount: bigint): void => void expected.set(account, (expected.get(account) ?? 0n) + amount);
      for (const u of USAGES) {
        add(`tenant:${u.tenantId}`, -(u.earning + u.fee));
        add(`provider:${u.providerId}`, u.earning);
        add('protocol:fees', u.fee);
      }
      expect(balances).toEqual(Object.fromEntries(expected));
      expect(await postings()).toBe(COUNT);
      expect(Object.values(balances).reduce((s, b) => s + b, 0n)).toBe(0n);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 180_000);
});
