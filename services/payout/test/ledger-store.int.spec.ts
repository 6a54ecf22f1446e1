// The ledger tables and the epoch command on a real PostgreSQL, without the service process:
// reversals, and two CloseEpoch calls racing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { topicNames } from '@switchyard/contracts';
import { databaseUrl, uniqueName } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { postUsage, reversePosting, type MeteredUsage } from '../src/domain/index.js';
import { CloseEpochHandler } from '../src/epochs/close-epoch.handler.js';
import { openPayoutDatabase } from '../src/persistence/payout-data-source.js';
import { appendPosting, appendUsage, balanceOf, openItems } from '../src/persistence/ledger-store.js';
import { JobsConsumer } from '../src/jobs.consumer.js';
import { jobEvent } from './support/payout-fixture.js';

const usage = (i: number, providerId: string): MeteredUsage => ({
  usageId: `store-u-${i}`,
  jobId: `store-job-${i}`,
  attempt: 1,
  reportId: `r-${i}`,
  tenantId: 'acme',
  providerId,
  chargeBaseUnits: 110n * BigInt(i),
  earningBaseUnits: 100n * BigInt(i),
  feeBaseUnits: 10n * BigInt(i),
  meteredAt: new Date(Date.UTC(2026, 10, 1, 0, i)),
});

describe('ledger tables and epoch closing on PostgreSQL', () => {
  const schema = uniqueName('payout_store').replace(/-/g, '_');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openPayoutDatabase(databaseUrl(), schema);
  }, 30_000);

  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it('a reversal posting cancels a posting and its earning; the same posting cannot be reversed twice', async () => {
    const metered = usage(1, 'p-rev');
    const posting = postUsage(metered);
    await dataSource.transaction(async (manager) => {
      await appendPosting(manager, posting, 'evt-1');
      await appendUsage(manager, metered, posting.postingId, {
        tier: 'TIER_BATCH',
        gpuClass: 'l4',
        rateCardVersion: 'rc',
        eventId: 'evt-1',
      });
    });

    const reversal = reversePosting(posting, new Date(Date.UTC(2026, 10, 2)));
    expect(await dataSource.transaction((manager) => appendPosting(manager, reversal, 'correction-1'))).toBe(true);
    expect(await dataSource.transaction((manager) => appendPosting(manager, reversal, 'correction-2'))).toBe(false);

    expect(await balanceOf(dataSource.manager, 'provider:p-rev')).toBe(0n);
    expect(await balanceOf(dataSource.manager, 'tenant:acme')).toBe(0n);
    // A reversed earning is not open any more: no epoch will pay it.
    expect((await openItems(dataSource.manager)).map((item) => item.providerId)).not.toContain('p-rev');
  });

  it('appendPosting writes a posting, its entries and balances at once; a duplicate or an unbalanced posting writes nothing', async () => {
    const metered = usage(7, 'p-once');
    const posting = postUsage(metered);
    const state = async () => ({
      entries: await dataSource.query(
        'SELECT line, account_id, amount::text AS amount FROM ledger_entries WHERE posting_id = $1 ORDER BY line',
        [posting.postingId],
      ),
      balances: await dataSource.query(
        "SELECT account_id, balance::text AS balance FROM ledger_balances WHERE account_id IN ('tenant:acme', 'provider:p-once', 'protocol:fees') ORDER BY 1",
      ),
    });
    const before = await balanceOf(dataSource.manager, 'tenant:acme');
    expect(await dataSource.transaction((manager) => appendPosting(manager, posting, 'evt-7'))).toBe(true);
    const once = await state();
    expect(once.entries).toEqual(posting.entries.map((e, line) => ({ line, account_id: e.accountId, amount: e.amount.toString() })));
    expect(await balanceOf(dataSource.manager, 'provider:p-once')).toBe(700n);
    expect(await balanceOf(dataSource.manager, 'tenant:acme')).toBe(before - 770n);

    expect(await dataSource.transaction((manager) => appendPosting(manager, posting, 'evt-7-again'))).toBe(false);
    expect(await state()).toEqual(once);

    // Bypassing the domain's check, the database's deferred trigger still refuses it at commit.
    const unbalanced = { ...postUsage(usage(8, 'p-once')), entries: [...posting.entries, { accountId: 'provider:p-once', amount: 1n }] };
    await expect(dataSource.transaction((manager) => appendPosting(manager, unbalanced as never, 'evt-8'))).rejects.toThrow(/unbalanced/);
    expect(await dataSource.query('SELECT 1 FROM ledger_postings WHERE posting_id = $1', [unbalanced.postingId])).toEqual([]);
    expect(await state()).toEqual(once);
  });

  it("a job's start is recorded only for its current attempt, and never creates the job", async () => {
    const startedAt = async (jobId: string) =>
      (await dataSource.query('SELECT started_at FROM payout_jobs WHERE job_id = $1', [jobId])) as { started_at: Date | null }[];
    const at = new Date(Date.UTC(2026, 10, 3));
    const jobs = new JobsConsumer({} as never, {} as never);
    const started = (jobId: string, attempt: number) =>
      jobs.applyFacts([{ envelope: jobEvent(jobId, at, { jobStarted: { jobId, attempt } as never }) } as never], dataSource);
    await dataSource.query("INSERT INTO payout_jobs (job_id, attempt) VALUES ('store-job-started', 2)");
    await started('store-job-started', 1);
    expect(await startedAt('store-job-started')).toEqual([{ started_at: null }]);
    await started('store-job-started', 2);
    expect(await startedAt('store-job-started')).toEqual([{ started_at: at }]);
    await started('store-job-unknown', 0);
    expect(await startedAt('store-job-unknown')).toEqual([]);
  });

  it('two CloseEpoch calls racing pay each usage once', async () => {
    await dataSource.transaction(async (manager) => {
      for (let i = 10; i < 30; i++) {
        const metered = usage(i, `p-${i % 3}`);
        const posting = postUsage(metered);
        await appendPosting(manager, posting, `evt-${i}`);
        await appendUsage(manager, metered, posting.postingId, {
          tier: 'TIER_BATCH',
          gpuClass: 'l4',
          rateCardVersion: 'rc',
          eventId: `evt-${i}`,
        });
      }
    });
    const handler = new CloseEpochHandler(dataSource, topicNames(`${uniqueName('store')}.`));
    const now = new Date();

    const [a, b] = await Promise.all([
      handler.close({ cutoff: undefined, idempotencyKey: undefined, now }),
      handler.close({ cutoff: undefined, idempotencyKey: undefined, now }),
    ]);

    const paid = [...a.statements, ...b.statements].flatMap((statement) => statement.usageIds).sort();
    expect(paid).toEqual(Array.from({ length: 20 }, (_, k) => `store-u-${k + 10}`).sort());
    expect([a.statements.length, b.statements.length].sort()).toEqual([0, 3]);
    const total = BigInt((await dataSource.query('SELECT sum(amount)::text AS t FROM payouts'))[0].t as string);
    expect(total).toBe(Array.from({ length: 20 }, (_, k) => 100n * BigInt(k + 10)).reduce((s, x) => s + x, 0n));
    const outboxed = (
      await dataSource.query("SELECT count(*)::int AS n FROM event_outbox WHERE envelope->>'type' = 'switchyard.events.v1.PayoutIssued'")
    )[0].n as number;
    expect(outboxed).toBe(3);

    // A paid usage cannot be reversed: its statement is closed.
    const paidPosting = postUsage(usage(10, 'p-1'));
    await expect(
      dataSource.transaction((manager) => appendPosting(manager, reversePosting(paidPosting, now), 'correction-3')),
    ).rejects.toThrow(/settled by a payout/);
  });
});
