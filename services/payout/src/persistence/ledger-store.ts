// Reads and appends of the ledger tables, inside the caller's transaction (an EntityManager from
// the event runtime or from a command). Plain SQL: the constraints are the point, not an ORM.
import type { EntityManager } from 'typeorm';
import type { AccountId, MeteredUsage, OpenItem, Penalty, PayoutIssued, Posting } from '../domain/index.js';

/**
 * Appends a posting, its entries and their accounts' running balances in one statement; false when
 * its source id already has a posting (then the entries and balances are not touched either: both
 * read the postings insert's RETURNING). The deferred trigger still checks the posting balances.
 */
export async function appendPosting(manager: EntityManager, posting: Posting, causeId: string): Promise<boolean> {
  // The accounts' running balances, in account order so concurrent postings lock them alike.
  const byAccount = new Map<string, bigint>();
  for (const entry of posting.entries) byAccount.set(entry.accountId, (byAccount.get(entry.accountId) ?? 0n) + entry.amount);
  const accounts = [...byAccount.keys()].sort();
  const rows: { inserted: number }[] = await manager.query(
    `WITH posting AS (
       INSERT INTO ledger_postings (posting_id, source_id, kind, reverses_posting_id, recorded_at, cause_id)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (source_id) DO NOTHING
       RETURNING posting_id
     ), entries AS (
       INSERT INTO ledger_entries (posting_id, line, account_id, amount)
       SELECT posting.posting_id, entry.line, entry.account_id, entry.amount
       FROM posting CROSS JOIN unnest($7::int[], $8::text[], $9::bigint[]) AS entry(line, account_id, amount)
     ), balances AS (
       INSERT INTO ledger_balances (account_id, balance)
       SELECT account.id, account.delta FROM unnest($10::text[], $11::numeric[]) WITH ORDINALITY AS account(id, delta, n)
       WHERE EXISTS (SELECT 1 FROM posting)
       ORDER BY account.n
       ON CONFLICT (account_id) DO UPDATE SET balance = ledger_balances.balance + EXCLUDED.balance
     )
     SELECT count(*)::int AS inserted FROM posting`,
    [
      posting.postingId,
      posting.sourceId,
      posting.kind,
      posting.reversesPostingId ?? null,
      posting.recordedAt,
      causeId,
      posting.entries.map((_, line) => line),
      posting.entries.map((entry) => entry.accountId),
      posting.entries.map((entry) => entry.amount.toString()),
      accounts,
      accounts.map((a) => byAccount.get(a)!.toString()),
    ],
  );
  return rows[0]!.inserted > 0;
}

export interface UsageFacts {
  readonly tier: string;
  readonly gpuClass: string;
  readonly rateCardVersion: string;
  readonly eventId: string;
}

export async function appendUsage(manager: EntityManager, usage: MeteredUsage, postingId: string, facts: UsageFacts): Promise<void> {
  await manager.query(
    `INSERT INTO ledger_usage (usage_id, posting_id, event_id, job_id, attempt, report_id, tenant_id, provider_id, tier, gpu_class,
                               rate_card_version, charge, earning, fee, metered_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::bigint, $13::bigint, $14::bigint, $15)`,
    [
      usage.usageId,
      postingId,
      facts.eventId,
      usage.jobId,
      usage.attempt,
      usage.reportId,
      usage.tenantId,
      usage.providerId,
      facts.tier,
      facts.gpuClass,
      facts.rateCardVersion,
      usage.chargeBaseUnits.toString(),
      usage.earningBaseUnits.toString(),
      usage.feeBaseUnits.toString(),
      usage.meteredAt,
    ],
  );
}

export async function appendPenalty(manager: EntityManager, penalty: Penalty, postingId: string): Promise<void> {
  await manager.query(
    `INSERT INTO ledger_penalties (penalty_id, posting_id, provider_id, tenant_id, job_id, attempt, amount, reason,
                                   justifying_event_ids, policy_version, assessed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, $8, $9::text[], $10, $11)`,
    [
      penalty.penaltyId,
      postingId,
      penalty.providerId,
      penalty.tenantId ?? null,
      penalty.jobId,
      penalty.attempt,
      penalty.amountBaseUnits.toString(),
      penalty.reason,
      penalty.justifyingEventIds,
      penalty.policyVersion,
      penalty.assessedAt,
    ],
  );
}

/** An account's balance: the sum of its entries, kept running by appendPosting. */
export async function balanceOf(manager: EntityManager, accountId: AccountId | string): Promise<bigint> {
  const rows: { balance: string }[] = await manager.query('SELECT balance::text AS balance FROM ledger_balances WHERE account_id = $1', [
    accountId,
  ]);
  return BigInt(rows[0]?.balance ?? '0');
}

/** Every account type's total (tenant, provider, protocol, payouts) from the running balances. */
export async function totalsByAccountType(manager: EntityManager): Promise<Map<string, bigint>> {
  const rows: { type: string; total: string }[] = await manager.query(
    `SELECT split_part(account_id, ':', 1) AS type, coalesce(sum(balance), 0)::text AS total FROM ledger_balances GROUP BY 1`,
  );
  return new Map(rows.map((row) => [row.type, BigInt(row.total)]));
}

/**
 * Adds a usage charge to its tenant's spend in the epoch window starting at `windowStart` and
 * returns the spend before it: one row per tenant and window, so the cap check costs the same at
 * the millionth usage as at the first.
 */
export async function addTenantSpend(manager: EntityManager, tenantId: string, windowStart: Date, charge: bigint): Promise<bigint> {
  const rows: { before: string }[] = await manager.query(
    `INSERT INTO payout_tenant_spend (tenant_id, window_start, spent) VALUES ($1, $2, $3::numeric)
     ON CONFLICT (tenant_id, window_start) DO UPDATE SET spent = payout_tenant_spend.spent + EXCLUDED.spent
     RETURNING (spent - $3::numeric)::text AS before`,
    [tenantId, windowStart, charge.toString()],
  );
  return BigInt(rows[0]!.before);
}

export async function jobCharges(manager: EntityManager, jobId: string): Promise<bigint> {
  const rows: { charged: string }[] = await manager.query(
    'SELECT coalesce(sum(charge), 0)::text AS charged FROM ledger_usage WHERE job_id = $1',
    [jobId],
  );
  return BigInt(rows[0]!.charged);
}

/**
 * Earnings and penalties no payout has settled and no reversal has cancelled. A usage's earnings
 * are its posting's provider entries: the provider's, or each gang member's share (ledger_usage
 * names the lead and the whole earning), each settled on its own.
 */
export async function openItems(manager: EntityManager): Promise<OpenItem[]> {
  const usage: { usage_id: string; provider_id: string; earning: string; metered_at: Date }[] = await manager.query(
    `SELECT u.usage_id, e.provider_id, e.amount::text AS earning, u.metered_at
     FROM ledger_usage u
     CROSS JOIN LATERAL (SELECT substr(account_id, length('provider:') + 1) AS provider_id, amount FROM ledger_entries
                         WHERE posting_id = u.posting_id AND account_id LIKE 'provider:%') e
     WHERE NOT EXISTS (SELECT 1 FROM payout_settlements s WHERE s.item_id = u.usage_id AND s.provider_id = e.provider_id)
       AND NOT EXISTS (SELECT 1 FROM ledger_postings r WHERE r.reverses_posting_id = u.posting_id)`,
  );
  const penalties: { penalty_id: string; provider_id: string; amount: string; assessed_at: Date }[] = await manager.query(
    `SELECT p.penalty_id, p.provider_id, p.amount::text AS amount, p.assessed_at FROM ledger_penalties p
     WHERE NOT EXISTS (SELECT 1 FROM payout_settlements s WHERE s.item_id = p.penalty_id AND s.provider_id = p.provider_id)
       AND NOT EXISTS (SELECT 1 FROM ledger_postings r WHERE r.reverses_posting_id = p.posting_id)`,
  );
  return [
    ...usage.map((row): OpenItem => ({
      kind: 'usage',
      usageId: row.usage_id,
      providerId: row.provider_id,
      earningBaseUnits: BigInt(row.earning),
      at: row.metered_at,
    })),
    ...penalties.map((row): OpenItem => ({
      kind: 'penalty',
      penaltyId: row.penalty_id,
      providerId: row.provider_id,
      amountBaseUnits: BigInt(row.amount),
      at: row.assessed_at,
    })),
  ];
}

/** Records a payout, the statement's settled items (each provider's share at most once, by primary key) and its posting. */
export async function appendPayout(manager: EntityManager, payout: PayoutIssued, causeId: string): Promise<void> {
  if (!(await appendPosting(manager, payout.posting, causeId))) throw new Error(`payout ${payout.payoutId} was already posted`);
  const { statement } = payout;
  await manager.query(
    `INSERT INTO payouts (payout_id, epoch_id, provider_id, statement_id, posting_id, amount, earnings, penalties, issued_at)
     VALUES ($1, $2, $3, $4, $5, $6::bigint, $7::bigint, $8::bigint, $9)`,
    [
      payout.payoutId,
      payout.epochId,
      payout.providerId,
      statement.statementId,
      payout.posting.postingId,
      payout.amountBaseUnits.toString(),
      statement.earningsBaseUnits.toString(),
      statement.penaltiesBaseUnits.toString(),
      payout.issuedAt,
    ],
  );
  await manager.query(
    `INSERT INTO payout_settlements (item_id, item_kind, payout_id, provider_id)
     SELECT id, kind, $3, $4 FROM unnest($1::text[], $2::text[]) AS item(id, kind)`,
    [
      [...statement.usageIds, ...statement.penaltyIds],
      [...statement.usageIds.map(() => 'usage'), ...statement.penaltyIds.map(() => 'penalty')],
      payout.payoutId,
      payout.providerId,
    ],
  );
}
