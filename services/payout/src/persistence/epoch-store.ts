// Epochs and statements as stored: the closed epochs in order, and each payout's statement.
import type { EntityManager } from 'typeorm';

export interface StoredEpoch {
  readonly epochId: string;
  readonly seq: number;
  readonly cutoff: Date;
  readonly closedAt: Date;
  readonly payoutCount: number;
  readonly totalBaseUnits: bigint;
}

export interface StoredStatement {
  readonly statementId: string;
  readonly payoutId: string;
  readonly epochId: string;
  /** The epoch's sequence number: statements page by it. */
  readonly epochSeq: number;
  readonly providerId: string;
  readonly amountBaseUnits: bigint;
  readonly usageIds: string[];
  readonly penaltyIds: string[];
  readonly closedAt: Date;
}

interface EpochRow {
  epoch_id: string;
  seq: number;
  cutoff: Date;
  closed_at: Date;
  payout_count: number;
  total: string;
}

const toEpoch = (row: EpochRow): StoredEpoch => ({
  epochId: row.epoch_id,
  seq: row.seq,
  cutoff: row.cutoff,
  closedAt: row.closed_at,
  payoutCount: row.payout_count,
  totalBaseUnits: BigInt(row.total),
});

const EPOCH_COLUMNS = 'epoch_id, seq, cutoff, closed_at, payout_count, total::text AS total';

export async function lastEpoch(manager: EntityManager): Promise<StoredEpoch | undefined> {
  const rows: EpochRow[] = await manager.query(`SELECT ${EPOCH_COLUMNS} FROM payout_epochs ORDER BY seq DESC LIMIT 1`);
  return rows[0] && toEpoch(rows[0]);
}

export async function epochByIdempotencyKey(manager: EntityManager, key: string): Promise<StoredEpoch | undefined> {
  const rows: EpochRow[] = await manager.query(`SELECT ${EPOCH_COLUMNS} FROM payout_epochs WHERE idempotency_key = $1`, [key]);
  return rows[0] && toEpoch(rows[0]);
}

export async function appendEpoch(manager: EntityManager, epoch: StoredEpoch, idempotencyKey: string | undefined): Promise<void> {
  await manager.query(
    `INSERT INTO payout_epochs (epoch_id, seq, cutoff, closed_at, idempotency_key, payout_count, total)
     VALUES ($1, $2, $3, $4, $5, $6, $7::bigint)`,
    [epoch.epochId, epoch.seq, epoch.cutoff, epoch.closedAt, idempotencyKey ?? null, epoch.payoutCount, epoch.totalBaseUnits.toString()],
  );
}

interface StatementRow {
  statement_id: string;
  payout_id: string;
  epoch_id: string;
  provider_id: string;
  amount: string;
  usage_ids: string[];
  penalty_ids: string[];
  closed_at: Date;
  seq: number;
}

const STATEMENT_QUERY = `
  SELECT p.statement_id, p.payout_id, p.epoch_id, p.provider_id, p.amount::text AS amount, e.closed_at, e.seq,
         coalesce(array_agg(s.item_id ORDER BY s.item_id) FILTER (WHERE s.item_kind = 'usage'), '{}') AS usage_ids,
         coalesce(array_agg(s.item_id ORDER BY s.item_id) FILTER (WHERE s.item_kind = 'penalty'), '{}') AS penalty_ids
  FROM payouts p
  JOIN payout_epochs e ON e.epoch_id = p.epoch_id
  LEFT JOIN payout_settlements s ON s.payout_id = p.payout_id`;

const toStatement = (row: StatementRow): StoredStatement => ({
  statementId: row.statement_id,
  payoutId: row.payout_id,
  epochId: row.epoch_id,
  epochSeq: row.seq,
  providerId: row.provider_id,
  amountBaseUnits: BigInt(row.amount),
  usageIds: row.usage_ids,
  penaltyIds: row.penalty_ids,
  closedAt: row.closed_at,
});

/** A provider's statements, newest epoch first, `limit` after the epoch sequence `beforeSeq`. */
export async function statementsOf(
  manager: EntityManager,
  providerId: string,
  limit: number,
  beforeSeq: number | undefined,
): Promise<StoredStatement[]> {
  const rows: StatementRow[] = await manager.query(
    `${STATEMENT_QUERY}
     WHERE p.provider_id = $1 AND ($2::int IS NULL OR e.seq < $2::int)
     GROUP BY p.payout_id, e.epoch_id
     ORDER BY e.seq DESC
     LIMIT $3`,
    [providerId, beforeSeq ?? null, limit],
  );
  return rows.map(toStatement);
}

export async function statementsOfEpoch(manager: EntityManager, epochId: string): Promise<StoredStatement[]> {
  const rows: StatementRow[] = await manager.query(
    `${STATEMENT_QUERY} WHERE p.epoch_id = $1 GROUP BY p.payout_id, e.epoch_id ORDER BY p.provider_id`,
    [epochId],
  );
  return rows.map(toStatement);
}
