// The payout service as a process on the real broker and database: UsageMetered in, postings,
// balances, penalties, epochs and payouts out, through gRPC and the ledger topic.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { api, events } from '@switchyard/contracts';
import { replayLedger } from '../src/domain/index.js';
import type { LoggedEvent } from '@switchyard/event-log';
import {
  eventually,
  jobEvent,
  timestamp,
  KEYS,
  payoutApi,
  payoutFixture,
  readAll,
  usageMetered,
  type Backend,
  type PayoutFixture,
  type UsageSpec,
} from './support/payout-fixture.js';

const hourAgo = new Date(Date.now() - 3_600_000);
const minutes = (n: number): Date => new Date(hourAgo.getTime() + n * 60_000);

const USAGES: UsageSpec[] = [
  {
    usageId: 'u-1',
    jobId: 'job-a',
    tenantId: 'acme',
    providerId: 'gpu-north-1',
    earning: 4_500_000n,
    fee: 500_000n,
    meteredAt: minutes(1),
  },
  {
    usageId: 'u-2',
    jobId: 'job-a',
    tenantId: 'acme',
    providerId: 'gpu-north-1',
    earning: 9_007_199_254_740_993n,
    fee: 7n,
    meteredAt: minutes(2),
  },
  {
    usageId: 'u-3',
    jobId: 'job-b',
    tenantId: 'globex',
    providerId: 'gpu-south-1',
    earning: 1_234_567n,
    fee: 123_456n,
    meteredAt: minutes(3),
  },
  { usageId: 'u-4', jobId: 'job-c', tenantId: 'acme', providerId: 'gpu-south-1', earning: 999n, fee: 1n, meteredAt: minutes(4) },
];

const sumOf = (list: UsageSpec[], pick: (u: UsageSpec) => bigint): bigint => list.reduce((s, u) => s + pick(u), 0n);

describe.each<Backend>(['kafka', 'postgres'])('payout service with the %s event log and PostgreSQL', (backend) => {
  let fx: PayoutFixture;

  const balance = async (accountId: string, key = KEYS.admin): Promise<bigint> => {
    const response = await payoutApi(fx.client!).getBalance({ accountId }, key);
    return BigInt(response.balanceBaseUnits);
  };
  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await fx.db.query<{ n: string }>(sql, params)).rows[0]!.n);
  const ledgerEvents = async (type: string): Promise<LoggedEvent[]> =>
    (await readAll(fx.log, fx.topics.ledger)).filter((event) => event.envelope.type === `switchyard.events.v1.${type}`);

  beforeAll(async () => {
    // acme's cap is crossed by u-2 (the big one): one SpendingCapExceeded.
    fx = await payoutFixture({ acmeCapBaseUnits: '10000000', backend });
    await fx.start();
  }, 90_000);

  afterAll(async () => {
    await fx?.close();
  }, 60_000);

  it('posts each UsageMetered once: tenant, provider and fee balances match to the base unit and the ledger sums to zero', async () => {
    await fx.log.append(
      fx.topics.usage,
      USAGES.map((u) => usageMetered(u)),
    );

    await eventually(async () => expect(await count("SELECT count(*) AS n FROM ledger_postings WHERE kind = 'USAGE'")).toBe(4));

    const charge = (u: UsageSpec): bigint => u.earning + u.fee;
    expect(await balance('tenant:acme')).toBe(
      -sumOf(
        USAGES.filter((u) => u.tenantId === 'acme'),
        charge,
      ),
    );
    expect(await balance('tenant:globex')).toBe(
      -sumOf(
        USAGES.filter((u) => u.tenantId === 'globex'),
        charge,
      ),
    );
    expect(await balance('provider:gpu-north-1')).toBe(9_007_199_259_240_993n);
    expect(await balance('provider:gpu-south-1')).toBe(1_234_567n + 999n);
    expect(await balance('protocol:fees')).toBe(sumOf(USAGES, (u) => u.fee));
    expect((await fx.db.query<{ total: string }>('SELECT sum(amount)::text AS total FROM ledger_entries')).rows[0]!.total).toBe('0');
    expect(
      await count(
        'SELECT count(*) AS n FROM (SELECT posting_id FROM ledger_entries GROUP BY posting_id HAVING sum(amount) <> 0) unbalanced',
      ),
    ).toBe(0);
  }, 60_000);

  it('publishes a PostingRecorded per usage and one SpendingCapExceeded when acme passes its cap', async () => {
    const postings = await eventually(async () => {
      const found = await ledgerEvents('PostingRecorded');
      expect(found).toHaveLength(4);
      return found;
    });
    const recorded = postings.map((e) => events.LedgerEvent.fromJSON(e.envelope.data).postingRecorded!);
    expect(recorded.map((p) => p.sourceId).sort()).toEqual(['u-1', 'u-2', 'u-3', 'u-4']);
    for (const posting of recorded) expect(posting.entries.reduce((s, e) => s + BigInt(e.amountBaseUnits), 0n)).toBe(0n);

    const alerts = await eventually(async () => {
      const found = await ledgerEvents('SpendingCapExceeded');
      expect(found).toHaveLength(1);
      return found;
    });
    const alert = events.LedgerEvent.fromJSON(alerts[0]!.envelope.data).spendingCapExceeded!;
    expect(alert).toMatchObject({ tenantId: 'acme', capBaseUnits: '10000000' });
    // u-2 crosses the cap; u-4 (another job, so maybe another partition) may have been posted before it.
    const crossing = 5_000_000n + 9_007_199_254_741_000n;
    expect([crossing.toString(), (crossing + 1_000n).toString()]).toContain(alert.spentBaseUnits);
  }, 60_000);

  it('a redelivered UsageMetered, or the same usage id under a new event id, changes nothing', async () => {
    const before = await balance('tenant:acme');
    const redelivered = usageMetered(USAGES[0]!, 'redelivery-probe');
    const sameUsageNewId = usageMetered({ ...USAGES[1]!, earning: 1n }, 'same-usage-new-event-id');
    await fx.log.append(fx.topics.usage, [redelivered, redelivered, sameUsageNewId]);

    await eventually(async () =>
      expect(
        await count('SELECT count(*) AS n FROM event_inbox WHERE event_id = ANY($1)', [['redelivery-probe', 'same-usage-new-event-id']]),
      ).toBe(2),
    );

    expect(await balance('tenant:acme')).toBe(before);
    expect(await count('SELECT count(*) AS n FROM ledger_postings')).toBe(4);
  }, 60_000);

  it('the database rejects an UPDATE or DELETE of an entry, and an unbalanced posting', async () => {
    await expect(fx.db.query("UPDATE ledger_entries SET amount = amount + 1 WHERE posting_id = 'usage:u-1'")).rejects.toThrow(
      /append-only/,
    );
    await expect(fx.db.query("DELETE FROM ledger_postings WHERE posting_id = 'usage:u-1'")).rejects.toThrow(/append-only/);
    const client = await fx.db.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        "INSERT INTO ledger_postings (posting_id, source_id, kind, recorded_at, cause_id) VALUES ('bad', 'bad', 'USAGE', now(), 'test')",
      );
      await client.query(
        "INSERT INTO ledger_entries (posting_id, line, account_id, amount) VALUES ('bad', 0, 'tenant:acme', -5), ('bad', 1, 'protocol:fees', 4)",
      );
      await expect(client.query('COMMIT')).rejects.toThrow(/unbalanced/);
    } finally {
      client.release();
    }
    expect(await count("SELECT count(*) AS n FROM ledger_postings WHERE posting_id = 'bad'")).toBe(0);
  });

  it('a REALTIME job failed by its provider is penalised, linked to the JobFailed and JobPlaced events', async () => {
    const jobId = 'job-rt';
    const placedId = randomUUID();
    const failedId = randomUUID();
    await fx.log.append(fx.topics.jobs, [
      jobEvent(jobId, minutes(5), {
        jobSubmitted: {
          jobId,
          tenantId: 'acme',
          tenantPlan: 'enterprise',
          spec: undefined,
          idempotencyKey: 'k',
          quote: undefined,
          submittedAt: undefined,
        },
      }),
      jobEvent(jobId, minutes(5), {
        jobClassified: {
          jobId,
          tier: api.Tier.TIER_REALTIME,
          policyVersion: 'p1',
          matchedRuleId: 'r1',
          reasons: [],
          classifiedAt: undefined,
        },
      }),
      jobEvent(
        jobId,
        minutes(6),
        { jobPlaced: { jobId, providerId: 'gpu-north-1', operatorId: 'op-north', attempt: 1, decision: undefined, gangMembers: [] } },
        placedId,
      ),
      jobEvent(
        jobId,
        minutes(7),
        {
          jobFailed: {
            jobId,
            attempt: 1,
            providerId: 'gpu-north-1',
            category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
            fault: events.Fault.FAULT_PROVIDER,
            retryable: false,
            source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
            message: 'GPU fell off the bus',
            failedAt: undefined,
          },
        },
        failedId,
      ),
    ]);

    const penalty = await eventually(async () => {
      const { rows } = await fx.db.query(
        'SELECT penalty_id, amount::text AS amount, justifying_event_ids, tenant_id FROM ledger_penalties WHERE job_id = $1',
        [jobId],
      );
      expect(rows).toHaveLength(1);
      return rows[0] as { penalty_id: string; amount: string; justifying_event_ids: string[]; tenant_id: string };
    });
    expect(penalty).toEqual({
      penalty_id: 'penalty:job-rt:1',
      amount: '1000000',
      justifying_event_ids: [failedId, placedId],
      tenant_id: 'acme',
    });
    const assessed = await eventually(async () => {
      const found = await ledgerEvents('PenaltyAssessed');
      expect(found).toHaveLength(1);
      return found[0]!;
    });
    expect(assessed.envelope.causationId).toBe(failedId);
    expect(events.LedgerEvent.fromJSON(assessed.envelope.data).penaltyAssessed?.justifyingEventIds).toEqual([failedId, placedId]);
  }, 60_000);

  it('a REALTIME job its provider started later than its latency bound is penalised, linked to the JobCompleted and JobPlaced events', async () => {
    const jobId = 'job-late';
    const placedId = randomUUID();
    const completedId = randomUUID();
    const startedAt = new Date(minutes(8).getTime() + 5_000); // placed at 8 min, started 5 s later: bound 2 s
    await fx.log.append(fx.topics.jobs, [
      jobEvent(jobId, minutes(8), {
        jobSubmitted: {
          jobId,
          tenantId: 'globex',
          tenantPlan: 'team',
          spec: api.JobSpec.fromPartial({ maxLatencyMs: 2_000 }),
          idempotencyKey: 'k2',
          quote: undefined,
          submittedAt: undefined,
        },
      }),
      jobEvent(jobId, minutes(8), {
        jobClassified: {
          jobId,
          tier: api.Tier.TIER_REALTIME,
          policyVersion: 'p1',
          matchedRuleId: 'r1',
          reasons: [],
          classifiedAt: undefined,
        },
      }),
      jobEvent(
        jobId,
        minutes(8),
        { jobPlaced: { jobId, providerId: 'gpu-east-1', operatorId: 'op-east', attempt: 1, decision: undefined, gangMembers: [] } },
        placedId,
      ),
      jobEvent(jobId, startedAt, { jobStarted: { jobId, attempt: 1, providerId: 'gpu-east-1', startedAt: timestamp(startedAt) } }),
      jobEvent(
        jobId,
        new Date(startedAt.getTime() + 5_000),
        {
          jobCompleted: {
            jobId,
            attempt: 1,
            providerId: 'gpu-east-1',
            resultHash: 'h',
            completedAt: timestamp(new Date(startedAt.getTime() + 5_000)),
          },
        },
        completedId,
      ),
    ]);

    const penalty = await eventually(async () => {
      const { rows } = await fx.db.query(
        'SELECT reason, amount::text AS amount, justifying_event_ids, tenant_id FROM ledger_penalties WHERE job_id = $1',
        [jobId],
      );
      expect(rows).toHaveLength(1);
      return rows[0] as Record<string, unknown>;
    });
    expect(penalty).toEqual({
      reason: 'REALTIME_COMPLETED_LATE',
      amount: '250000',
      justifying_event_ids: [completedId, placedId],
      tenant_id: 'globex',
    });
    expect(await balance('provider:gpu-east-1')).toBe(-250_000n);
  }, 60_000);

  it('a REALTIME attempt requeued because its provider was lost penalises that provider, not the next one', async () => {
    const jobId = 'job-requeued';
    const placedId = randomUUID();
    const requeuedId = randomUUID();
    await fx.log.append(fx.topics.jobs, [
      jobEvent(jobId, minutes(9), {
        jobClassified: {
          jobId,
          tier: api.Tier.TIER_REALTIME,
          policyVersion: 'p1',
          matchedRuleId: 'r1',
          reasons: [],
          classifiedAt: undefined,
        },
      }),
      jobEvent(
        jobId,
        minutes(9),
        { jobPlaced: { jobId, providerId: 'gpu-west-1', operatorId: 'op-west', attempt: 1, decision: undefined, gangMembers: [] } },
        placedId,
      ),
      jobEvent(
        jobId,
        minutes(10),
        {
          jobRequeued: {
            jobId,
            attempt: 2,
            reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST,
            previousProviderId: 'gpu-west-1',
            excludedProviderIds: ['gpu-west-1'],
            requeuedAt: timestamp(minutes(10)),
            fault: events.Fault.FAULT_PROVIDER,
            category: api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
            message: 'provider gpu-west-1 was lost',
          },
        },
        requeuedId,
      ),
      jobEvent(jobId, minutes(10), {
        jobPlaced: { jobId, providerId: 'gpu-west-2', operatorId: 'op-west', attempt: 2, decision: undefined, gangMembers: [] },
      }),
    ]);

    const penalty = await eventually(async () => {
      const { rows } = await fx.db.query(
        'SELECT provider_id, reason, justifying_event_ids, tenant_id FROM ledger_penalties WHERE job_id = $1',
        [jobId],
      );
      expect(rows).toHaveLength(1);
      return rows[0] as Record<string, unknown>;
    });
    // No JobSubmitted seen for this job: the tenant is unknown and the protocol is credited.
    expect(penalty).toEqual({
      provider_id: 'gpu-west-1',
      reason: 'REALTIME_ABANDONED_BY_PROVIDER',
      justifying_event_ids: [requeuedId, placedId],
      tenant_id: null,
    });
    expect(await balance('provider:gpu-west-1')).toBe(-1_000_000n);
    expect(await balance('provider:gpu-west-2')).toBe(0n);
  }, 60_000);

  it('tenants read only their own balance, operators their providers’, nobody without a key', async () => {
    expect(await balance('tenant:acme', KEYS.acme)).toBeLessThan(0n);
    await expect(balance('tenant:globex', KEYS.acme)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    expect(await balance('provider:gpu-north-1', KEYS.opNorth)).toBeGreaterThan(0n);
    await expect(balance('provider:gpu-south-1', KEYS.opNorth)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(balance('tenant:acme', 'not-a-key')).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(balance('bank:acme')).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  }, 30_000);

  it('CloseEpoch needs the admin credential', async () => {
    const error = (await payoutApi(fx.client!)
      .closeEpoch({ cutoff: undefined, idempotencyKey: '' }, KEYS.acme)
      .catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(await count('SELECT count(*) AS n FROM payout_epochs')).toBe(0);
  });

  it('closing an epoch issues one PayoutIssued per provider listing exactly its usage ids; closing again pays nothing more', async () => {
    const closed = await payoutApi(fx.client!).closeEpoch({ cutoff: undefined, idempotencyKey: 'close-1' }, KEYS.admin);

    const north = 4_500_000n + 9_007_199_254_740_993n - 1_000_000n; // earnings minus the REALTIME penalty
    const south = 1_234_567n + 999n;
    expect(closed.epochId).toBe('epoch-000001');
    expect(closed.payouts.map((p) => [p.providerId, p.amountBaseUnits])).toEqual([
      ['gpu-north-1', north.toString()],
      ['gpu-south-1', south.toString()],
    ]);
    expect(closed.totalBaseUnits).toBe((north + south).toString());

    const issued = await eventually(async () => {
      const found = await ledgerEvents('PayoutIssued');
      expect(found).toHaveLength(2);
      return found.map((e) => events.LedgerEvent.fromJSON(e.envelope.data).payoutIssued!);
    });
    expect(Object.fromEntries(issued.map((p) => [p.providerId, p.usageIds]))).toEqual({
      'gpu-north-1': ['u-1', 'u-2'],
      'gpu-south-1': ['u-3', 'u-4'],
    });
    expect(await balance('provider:gpu-north-1')).toBe(0n);
    expect(await balance('provider:gpu-south-1')).toBe(0n);
    expect(await balance('payouts:paid')).toBe(north + south);
    // gpu-east-1 has only a penalty: nothing paid, the penalty stays open for a later epoch.
    expect(await balance('provider:gpu-east-1')).toBe(-250_000n);

    const retried = await payoutApi(fx.client!).closeEpoch({ cutoff: undefined, idempotencyKey: 'close-1' }, KEYS.admin);
    expect(retried).toEqual(closed);

    const again = await payoutApi(fx.client!).closeEpoch({ cutoff: undefined, idempotencyKey: 'close-2' }, KEYS.admin);
    expect(again).toMatchObject({ epochId: 'epoch-000002', payouts: [], totalBaseUnits: '0' });
    await eventually(async () => expect(await ledgerEvents('EpochClosed')).toHaveLength(2));
    expect(await ledgerEvents('PayoutIssued')).toHaveLength(2);
    expect((await fx.db.query<{ total: string }>('SELECT sum(amount)::text AS total FROM ledger_entries')).rows[0]!.total).toBe('0');
  }, 90_000);

  it('usage that arrives after a close, even metered before its cutoff, is paid by the next epoch and only there', async () => {
    const late: UsageSpec = {
      usageId: 'u-5',
      jobId: 'job-d',
      tenantId: 'globex',
      providerId: 'gpu-north-1',
      earning: 777n,
      fee: 3n,
      meteredAt: minutes(10),
    };
    await fx.log.append(fx.topics.usage, [usageMetered(late)]);
    await eventually(async () => expect(await count("SELECT count(*) AS n FROM ledger_usage WHERE usage_id = 'u-5'")).toBe(1));

    const third = await payoutApi(fx.client!).closeEpoch({ cutoff: undefined, idempotencyKey: 'close-3' }, KEYS.admin);

    expect(third.payouts).toEqual([
      { providerId: 'gpu-north-1', statementId: `statement:${third.epochId}:gpu-north-1`, amountBaseUnits: '777' },
    ]);
    const issued = await eventually(async () => {
      const found = await ledgerEvents('PayoutIssued');
      expect(found).toHaveLength(3);
      return found.map((e) => events.LedgerEvent.fromJSON(e.envelope.data).payoutIssued!);
    });
    const paidIds = issued.flatMap((p) => p.usageIds).sort();
    expect(paidIds).toEqual(['u-1', 'u-2', 'u-3', 'u-4', 'u-5']);
    expect(await count('SELECT count(*) AS n FROM payout_settlements')).toBe(6); // five usages and one penalty
  }, 60_000);

  it('ListStatements pages a provider’s statements for its operator, newest first', async () => {
    const payout = payoutApi(fx.client!);
    const first = await payout.listStatements({ providerId: 'gpu-north-1', pageSize: 1, pageToken: '' }, KEYS.opNorth);
    expect(first.statements.map((s) => [s.epochId, s.usageIds])).toEqual([['epoch-000003', ['u-5']]]);
    expect(first.nextPageToken).not.toBe('');
    const second = await payout.listStatements({ providerId: 'gpu-north-1', pageSize: 1, pageToken: first.nextPageToken }, KEYS.opNorth);
    expect(second.statements).toHaveLength(1);
    expect(second.statements[0]).toMatchObject({ epochId: 'epoch-000001', providerId: 'gpu-north-1', usageIds: ['u-1', 'u-2'] });
    expect(second.nextPageToken).toBe('');
    await expect(payout.listStatements({ providerId: 'gpu-north-1', pageSize: 10, pageToken: '' }, KEYS.globex)).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
  }, 30_000);

  it('the ledger topic alone rebuilds every balance the database holds', async () => {
    const { rows } = await fx.db.query<{ account_id: string; balance: string }>(
      'SELECT account_id, sum(amount)::text AS balance FROM ledger_entries GROUP BY account_id',
    );
    const postings = Number((await fx.db.query<{ n: string }>('SELECT count(*) AS n FROM ledger_postings')).rows[0]!.n);

    const book = await eventually(async () => {
      const replayed = replayLedger((await readAll(fx.log, fx.topics.ledger)).map((e) => events.LedgerEvent.fromJSON(e.envelope.data)));
      expect(replayed.allPostings()).toHaveLength(postings);
      return replayed;
    });

    expect(Object.fromEntries([...book.balances()].filter(([, b]) => b !== 0n))).toEqual(
      Object.fromEntries(rows.filter((row) => row.balance !== '0').map((row) => [row.account_id, BigInt(row.balance)])),
    );
    // The running balances GetBalance and the metrics read are the entries' sums, account by account.
    const running = await fx.db.query<{ account_id: string; balance: string }>(
      'SELECT account_id, balance::text AS balance FROM ledger_balances',
    );
    expect(Object.fromEntries(running.rows.map((row) => [row.account_id, row.balance]))).toEqual(
      Object.fromEntries(rows.map((row) => [row.account_id, row.balance])),
    );
  }, 60_000);

  it('a UsageMetered whose charge is not earning + fee posts nothing and is dead-lettered', async () => {
    const broken = usageMetered(
      { usageId: 'u-broken', jobId: 'job-x', tenantId: 'acme', providerId: 'gpu-north-1', earning: 10n, fee: 1n, meteredAt: minutes(11) },
      'broken-usage',
    );
    const data = broken.data as { usageMetered: { tenantChargeBaseUnits: string } };
    data.usageMetered.tenantChargeBaseUnits = '12';
    await fx.log.append(fx.topics.usage, [broken]);

    const dead = await eventually(async () => {
      const found = (await readAll(fx.log, `${fx.topics.usage}-dlt`)).filter((e) => e.envelope.subject === 'job-x');
      expect(found).toHaveLength(1);
      return found[0]!;
    });
    expect(JSON.stringify(dead.envelope)).toContain('is not earning 10 + fee 1');
    expect(await count("SELECT count(*) AS n FROM ledger_postings WHERE source_id = 'u-broken'")).toBe(0);
  }, 60_000);
});
