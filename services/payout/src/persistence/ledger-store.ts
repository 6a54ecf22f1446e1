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
  return (await appendPostings(manager, [{ posting, causeId }])).has(posting.postingId);
}

export interface CausedPosting {
  readonly posting: Posting;
  /** ce_id of the event (or id of the command) that caused it. */
  readonly causeId: string;
}

/**
 * Appends postings, their entries and their accounts' running balances in one statement, and
 * returns the ids of the postings it inserted: a posting whose source id already has one (before,
 * or earlier in `postings`) is left out, and so are its entries and balances (they read the
 * postings insert's RETURNING). The deferred triggers still check each posting's balance at commit.
 */
export async function appendPostings(manager: EntityManager, postings: readonly CausedPosting[]): Promise<Set<string>> {
  // A source repeated in the list: its first posting stands, as one by one.
  const sources = new Set<string>();
  const fresh = postings.filter(({ posting }) => !sources.has(posting.sourceId) && sources.add(posting.sourceId));
  if (fresh.length === 0) return new Set();
  // Each posting's balance change per account. The accounts are ranked in one order for every
  // caller, so concurrent postings lock their balance rows alike.
  const deltas: { postingId: string; accountId: string; amount: bigint }[] = [];
  for (const { posting } of fresh) {
    const byAccount = new Map<string, bigint>();
    for (const entry of posting.entries) byAccount.set(entry.accountId, (byAccount.get(entry.accountId) ?? 0n) + entry.amount);
    for (const [accountId, amount] of byAccount) deltas.push({ postingId: posting.postingId, accountId, amount });
  }
  const rank = new Map([...new Set(deltas.map((delta) => delta.accountId))].sort().map((accountId, n) => [accountId, n]));
  const entries = fresh.flatMap(({ posting }) => posting.entries.map((entry, line) => ({ postingId: posting.postingId, line, ...entry })));
  const rows: { posting_id: string }[] = await manager.query(
    `WITH posting AS (
       INSERT INTO ledger_postings (posting_id, source_id, kind, reverses_posting_id, recorded_at, cause_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
       ON CONFLICT (source_id) DO NOTHING
       RETURNING posting_id
     ), entries AS (
       INSERT INTO ledger_entries (posting_id, line, account_id, amount)
       SELECT entry.posting_id, entry.line, entry.account_id, entry.amount
       FROM unnest($7::text[], $8::int[], $9::text[], $10::bigint[]) AS entry(posting_id, line, account_id, amount)
       JOIN posting USING (posting_id)
     ), balances AS (
       INSERT INTO ledger_balances (account_id, balance)
       SELECT delta.account_id, sum(delta.amount)
       FROM unnest($11::text[], $12::text[], $13::numeric[], $14::int[]) AS delta(posting_id, account_id, amount, n)
       JOIN posting USING (posting_id)
       GROUP BY delta.account_id
       ORDER BY min(delta.n)
       ON CONFLICT (account_id) DO UPDATE SET balance = ledger_balances.balance + EXCLUDED.balance
     )
     SELECT posting_id FROM posting`,
    [
      fresh.map(({ posting }) => posting.postingId),
      fresh.map(({ posting }) => posting.sourceId),
      fresh.map(({ posting }) => posting.kind),
      fresh.map(({ posting }) => posting.reversesPostingId ?? null),
      fresh.map(({ posting }) => posting.recordedAt),
      fresh.map(({ causeId }) => causeId),
      entries.map((entry) => entry.postingId),
      entries.map((entry) => entry.line),
      entries.map((entry) => entry.accountId),
      entries.map((entry) => entry.amount.toString()),
      deltas.map((delta) => delta.postingId),
      deltas.map((delta) => delta.accountId),
      deltas.map((delta) => delta.amount.toString()),
      deltas.map((delta) => rank.get(delta.accountId)!),
    ],
  );
  return new Set(rows.map((row) => row.posting_id));
}

export interface UsageFacts {
  readonly tier: string;
  readonly gpuClass: string;
  readonly rateCardVersion: string;
  readonly eventId: string;
}

export async function appendUsage(manager: EntityManager, usage: MeteredUsage, postingId: string, facts: UsageFacts): Promise<void> {
  await appendUsages(manager, [{ usage, postingId, facts }]);
}

export interface PostedUsage {
  readonly usage: MeteredUsage;
  readonly postingId: string;
  readonly facts: UsageFacts;
}

/** Records the metered usage behind USAGE postings, in one statement. */
export async function appendUsages(manager: EntityManager, rows: readonly PostedUsage[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(value: (row: PostedUsage) => T): T[] => rows.map(value);
  await manager.query(
    `INSERT INTO ledger_usage (usage_id, posting_id, event_id, job_id, attempt, report_id, tenant_id, provider_id, tier, gpu_class,
                               rate_card_version, charge, earning, fee, metered_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[],
                          $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[], $15::timestamptz[])`,
    [
      column((row) => row.usage.usageId),
      column((row) => row.postingId),
      column((row) => row.facts.eventId),
      column((row) => row.usage.jobId),
      column((row) => row.usage.attempt),
      column((row) => row.usage.reportId),
      column((row) => row.usage.tenantId),
      column((row) => row.usage.providerId),
      column((row) => row.facts.tier),
      column((row) => row.facts.gpuClass),
      column((row) => row.facts.rateCardVersion),
      column((row) => row.usage.chargeBaseUnits.toString()),
      column((row) => row.usage.earningBaseUnits.toString()),
      column((row) => row.usage.feeBaseUnits.toString()),
      column((row) => row.usage.meteredAt),
    ],
  );
}

/** A penalty and the posting that carries it. */
export interface PostedPenalty {
  readonly penalty: Penalty;
  readonly postingId: string;
}

/** Records the penalties in one statement (their postings appended before, in the same transaction). */
export async function appendPenalties(manager: EntityManager, penalties: readonly PostedPenalty[]): Promise<void> {
  if (penalties.length === 0) return;
  const column = <T>(value: (row: PostedPenalty) => T): T[] => penalties.map(value);
  await manager.query(
    `INSERT INTO ledger_penalties (penalty_id, posting_id, provider_id, tenant_id, job_id, attempt, amount, reason,
                                   justifying_event_ids, policy_version, assessed_at)
     SELECT t.penalty_id, t.posting_id, t.provider_id, t.tenant_id, t.job_id, t.attempt, t.amount, t.reason,
            ARRAY(SELECT jsonb_array_elements_text(t.justifying::jsonb)), t.policy_version, t.assessed_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[], $8::text[], $9::text[],
                   $10::text[], $11::timestamptz[])
         AS t(penalty_id, posting_id, provider_id, tenant_id, job_id, attempt, amount, reason, justifying, policy_version, assessed_at)`,
    [
      column(({ penalty }) => penalty.penaltyId),
      column(({ postingId }) => postingId),
      column(({ penalty }) => penalty.providerId),
      column(({ penalty }) => penalty.tenantId ?? null),
      column(({ penalty }) => penalty.jobId),
      column(({ penalty }) => penalty.attempt),
      column(({ penalty }) => penalty.amountBaseUnits.toString()),
      column(({ penalty }) => penalty.reason),
      column(({ penalty }) => JSON.stringify(penalty.justifyingEventIds)),
      column(({ penalty }) => penalty.policyVersion),
      column(({ penalty }) => penalty.assessedAt),
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
 * Adds charges to their tenants' spend in the epoch window starting at `windowStart` (one row per
 * tenant and window, so the cap check costs the same at the millionth usage as at the first) and
 * returns each tenant's spend before them. One statement; the rows are locked in tenant id order,
 * so two concurrent charges of one tenant take turns and both cannot slip under the cap check.
 */
export async function addTenantSpends(
  manager: EntityManager,
  windowStart: Date,
  charges: ReadonlyMap<string, bigint>,
): Promise<Map<string, bigint>> {
  if (charges.size === 0) return new Map();
  const tenants = [...charges.keys()].sort();
  const rows: { tenant_id: string; spent: string }[] = await manager.query(
    `INSERT INTO payout_tenant_spend (tenant_id, window_start, spent)
     SELECT charge.tenant_id, $1::timestamptz, charge.amount FROM unnest($2::text[], $3::numeric[]) WITH ORDINALITY AS charge(tenant_id, amount, n)
     ORDER BY charge.n
     ON CONFLICT (tenant_id, window_start) DO UPDATE SET spent = payout_tenant_spend.spent + EXCLUDED.spent
     RETURNING tenant_id, spent::text AS spent`,
    [windowStart, tenants, tenants.map((tenant) => charges.get(tenant)!.toString())],
  );
  return new Map(rows.map((row) => [row.tenant_id, BigInt(row.spent) - charges.get(row.tenant_id)!]));
}

/** What each of the jobs was charged so far, from its usage rows (a job with none is absent). */
export async function jobCharges(manager: EntityManager, jobIds: readonly string[]): Promise<Map<string, bigint>> {
  const rows: { job_id: string; charged: string }[] = await manager.query(
    'SELECT job_id, sum(charge)::text AS charged FROM ledger_usage WHERE job_id = ANY($1) GROUP BY job_id',
    [jobIds],
  );
  return new Map(rows.map((row) => [row.job_id, BigInt(row.charged)]));
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
