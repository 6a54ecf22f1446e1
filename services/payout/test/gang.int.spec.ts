// A gang split over providers on the real broker and database: the lead's UsageMetered credits
// every member its share by GPUs, the operator reads each member's account, and an epoch pays each
// member its share once. Also the migration that keys settlements by provider, over a ledger that
// already paid out.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { events } from '@switchyard/contracts';
import { openServiceDatabase } from '@switchyard/event-runtime';
import { databaseUrl, uniqueName } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { closeEpoch, postUsage, type MeteredUsage } from '../src/domain/index.js';
import { appendEpoch } from '../src/persistence/epoch-store.js';
import { appendPosting, appendUsage, openItems } from '../src/persistence/ledger-store.js';
import { openPayoutDatabase, payoutMigrations } from '../src/persistence/payout-data-source.js';
import {
  eventually,
  jobEvent,
  KEYS,
  payoutApi,
  payoutFixture,
  readAll,
  usageMetered,
  type Backend,
  type PayoutFixture,
} from './support/payout-fixture.js';

const hourAgo = new Date(Date.now() - 3_600_000);
const minutes = (n: number): Date => new Date(hourAgo.getTime() + n * 60_000);

const JOB = 'job-gang';
// 5 + 3 GPUs: 1 000 001 × 5/8 = 625 000.6 and × 3/8 = 375 000.4, so one base unit is left for the lead.
const GANG = [
  { providerId: 'gpu-north-1', gpuCount: 5 },
  { providerId: 'gpu-north-2', gpuCount: 3 },
];

describe.each<Backend>(['kafka', 'postgres'])('a gang split over providers with the %s event log', (backend) => {
  let fx: PayoutFixture;

  const balance = async (accountId: string, key = KEYS.admin): Promise<bigint> =>
    BigInt((await payoutApi(fx.client!).getBalance({ accountId }, key)).balanceBaseUnits);
  const count = async (sql: string): Promise<number> => Number((await fx.db.query<{ n: string }>(sql)).rows[0]!.n);
  const ledgerTotal = async (): Promise<string> =>
    (await fx.db.query<{ total: string }>('SELECT sum(amount)::text AS total FROM ledger_entries')).rows[0]!.total;

  beforeAll(async () => {
    fx = await payoutFixture({ backend });
    await fx.start();
  }, 90_000);

  afterAll(async () => {
    await fx?.close();
  }, 60_000);

  it('credits each member its share of the lead’s usage, the remainder to the lead; the ledger sums to zero', async () => {
    await fx.log.append(fx.topics.jobs, [
      jobEvent(JOB, minutes(1), {
        jobPlaced: { jobId: JOB, providerId: 'gpu-north-1', operatorId: 'op-north', attempt: 1, decision: undefined, gangMembers: GANG },
      }),
    ]);
    // The usage topic is not ordered after the jobs topic: this test posts the usage once the gang is recorded.
    await eventually(async () =>
      expect(await count(`SELECT count(*) AS n FROM payout_jobs WHERE job_id = '${JOB}' AND gang_members ? '1'`)).toBe(1),
    );

    await fx.log.append(fx.topics.usage, [
      usageMetered({
        usageId: 'u-gang-1',
        jobId: JOB,
        tenantId: 'acme',
        providerId: 'gpu-north-1',
        earning: 1_000_001n,
        fee: 99_999n,
        meteredAt: minutes(2),
      }),
    ]);
    await eventually(async () => expect(await count("SELECT count(*) AS n FROM ledger_postings WHERE source_id = 'u-gang-1'")).toBe(1));

    expect(await balance('provider:gpu-north-1')).toBe(625_001n);
    expect(await balance('provider:gpu-north-2')).toBe(375_000n);
    expect(await balance('tenant:acme')).toBe(-1_100_000n);
    expect(await balance('protocol:fees')).toBe(99_999n);
    expect(await ledgerTotal()).toBe('0');
    // Every member runs on the gang's operator, which reads each member's account.
    expect(await balance('provider:gpu-north-2', KEYS.opNorth)).toBe(375_000n);

    const recorded = await eventually(async () => {
      const found = (await readAll(fx.log, fx.topics.ledger))
        .map((e) => events.LedgerEvent.fromJSON(e.envelope.data).postingRecorded)
        .filter((p) => p?.sourceId === 'u-gang-1');
      expect(found).toHaveLength(1);
      return found[0]!;
    });
    expect(recorded.entries.map((e) => [e.accountId, e.amountBaseUnits])).toEqual([
      ['tenant:acme', '-1100000'],
      ['provider:gpu-north-1', '625001'],
      ['provider:gpu-north-2', '375000'],
      ['protocol:fees', '99999'],
    ]);
  }, 90_000);

  it('a usage of the gang attempt metered after the job was requeued to a single provider is still shared by that attempt’s gang', async () => {
    await fx.log.append(fx.topics.jobs, [
      jobEvent(JOB, minutes(3), {
        jobPlaced: { jobId: JOB, providerId: 'gpu-north-3', operatorId: 'op-north', attempt: 2, decision: undefined, gangMembers: [] },
      }),
    ]);
    await eventually(async () =>
      expect(await count(`SELECT count(*) AS n FROM payout_jobs WHERE job_id = '${JOB}' AND attempt = 2`)).toBe(1),
    );

    await fx.log.append(fx.topics.usage, [
      usageMetered({
        usageId: 'u-gang-late',
        jobId: JOB,
        attempt: 1,
        tenantId: 'acme',
        providerId: 'gpu-north-1',
        earning: 800n,
        fee: 0n,
        meteredAt: minutes(4),
      }),
      usageMetered({
        usageId: 'u-single-2',
        jobId: JOB,
        attempt: 2,
        tenantId: 'acme',
        providerId: 'gpu-north-3',
        earning: 70n,
        fee: 7n,
        meteredAt: minutes(5),
      }),
    ]);
    await eventually(async () =>
      expect(await count("SELECT count(*) AS n FROM ledger_postings WHERE source_id IN ('u-gang-late', 'u-single-2')")).toBe(2),
    );

    expect(await balance('provider:gpu-north-1')).toBe(625_001n + 500n);
    expect(await balance('provider:gpu-north-2')).toBe(375_000n + 300n);
    expect(await balance('provider:gpu-north-3')).toBe(70n);
    expect(await ledgerTotal()).toBe('0');
  }, 90_000);

  it('an epoch pays each member its shares, both statements listing the gang’s usage; closing again pays nothing', async () => {
    const closed = await payoutApi(fx.client!).closeEpoch({ cutoff: undefined, idempotencyKey: 'gang-close-1' }, KEYS.admin);

    expect(closed.payouts.map((p) => [p.providerId, p.amountBaseUnits])).toEqual([
      ['gpu-north-1', '625501'],
      ['gpu-north-2', '375300'],
      ['gpu-north-3', '70'],
    ]);
    const statements = await payoutApi(fx.client!).listStatements({ providerId: 'gpu-north-2', pageSize: 10, pageToken: '' }, KEYS.opNorth);
    expect(statements.statements.map((s) => s.usageIds)).toEqual([['u-gang-1', 'u-gang-late']]);
    for (const provider of ['gpu-north-1', 'gpu-north-2', 'gpu-north-3']) expect(await balance(`provider:${provider}`)).toBe(0n);
    expect(await balance('payouts:paid')).toBe(625_501n + 375_300n + 70n);
    expect(await count('SELECT count(*) AS n FROM payout_settlements')).toBe(5); // two gang usages × two members, one single

    const again = await payoutApi(fx.client!).closeEpoch({ cutoff: undefined, idempotencyKey: 'gang-close-2' }, KEYS.admin);
    expect(again).toMatchObject({ payouts: [], totalBaseUnits: '0' });
    expect(await ledgerTotal()).toBe('0');
  }, 90_000);
});

describe('AddGangShares over a ledger that already paid out', () => {
  const schema = uniqueName('payout_gang_mig').replace(/-/g, '_');
  let dataSource: DataSource | undefined;

  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it('gives every settlement its payout’s provider and keeps the table append-only', async () => {
    const before = payoutMigrations.filter((migration) => migration.name !== 'AddGangShares1765000000003');
    const old = await openServiceDatabase(
      { databaseUrl: databaseUrl(), databaseSchema: schema },
      { migrations: before, migrationsTableName: 'payout_migrations', poolSize: 2 },
    );
    const metered: MeteredUsage = {
      usageId: 'mig-u-1',
      jobId: 'mig-job',
      attempt: 1,
      reportId: 'r-1',
      tenantId: 'acme',
      providerId: 'p-old',
      chargeBaseUnits: 110n,
      earningBaseUnits: 100n,
      feeBaseUnits: 10n,
      meteredAt: new Date(Date.UTC(2026, 10, 1)),
    };
    const usagePosting = postUsage(metered);
    const closing = closeEpoch(
      [
        {
          kind: 'usage',
          usageId: metered.usageId,
          providerId: metered.providerId,
          earningBaseUnits: metered.earningBaseUnits,
          at: metered.meteredAt,
        },
      ],
      { epochId: 'epoch-000001', cutoff: new Date(Date.UTC(2026, 10, 2)), closedAt: new Date(Date.UTC(2026, 10, 2)) },
    );
    const payout = closing.payouts[0]!;
    // The settlement as the service wrote it before the migration: no provider column yet.
    await old.transaction(async (manager) => {
      await appendPosting(manager, usagePosting, 'evt-1');
      await appendUsage(manager, metered, usagePosting.postingId, {
        tier: 'TIER_BATCH',
        gpuClass: 'l4',
        rateCardVersion: 'rc',
        eventId: 'evt-1',
      });
      await appendEpoch(manager, { ...closing.epochClosed, seq: 1 }, undefined);
      await appendPosting(manager, payout.posting, 'close-1');
      await manager.query(
        `INSERT INTO payouts (payout_id, epoch_id, provider_id, statement_id, posting_id, amount, earnings, penalties, issued_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6, 0, $7)`,
        [
          payout.payoutId,
          payout.epochId,
          payout.providerId,
          payout.statement.statementId,
          payout.posting.postingId,
          payout.amountBaseUnits.toString(),
          payout.issuedAt,
        ],
      );
      await manager.query("INSERT INTO payout_settlements (item_id, item_kind, payout_id) VALUES ('mig-u-1', 'usage', $1)", [
        payout.payoutId,
      ]);
    });
    await old.destroy();

    dataSource = await openPayoutDatabase(databaseUrl(), schema);

    expect(await dataSource.query('SELECT item_id, provider_id FROM payout_settlements')).toEqual([
      { item_id: 'mig-u-1', provider_id: 'p-old' },
    ]);
    expect(await openItems(dataSource.manager)).toEqual([]);
    await expect(dataSource.query("UPDATE payout_settlements SET provider_id = 'p-other'")).rejects.toThrow(/append-only/);
    await expect(
      dataSource.query(
        "INSERT INTO payout_settlements (item_id, item_kind, payout_id, provider_id) VALUES ('mig-u-1', 'usage', $1, 'p-old')",
        [payout.payoutId],
      ),
    ).rejects.toThrow(/duplicate key/);
  }, 60_000);
});
