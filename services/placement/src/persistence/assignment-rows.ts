// The assignments table: what each provider's StreamAssignments delivers, ordered by seq.
//
// A stream reads `seq > cursor`. bigserial values are taken at insert time but become visible at
// commit, so two transactions could commit out of seq order and a reader could skip the smaller
// one. Every insert for a provider therefore first takes that provider's transaction-scoped
// advisory lock: per provider, seqs are allocated and committed in the same order.
import { api } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';
import { rows, run } from './sql.js';

const ASSIGNMENT_LOCK_NAMESPACE = 0x53594153; // "SYAS"
export const ASSIGNMENTS_CHANNEL = 'placement_assignments';

export type StreamItem =
  | { seq: string; kind: 'ASSIGN'; jobId: string; attempt: number; tier: api.Tier; spec: api.JobSpec }
  | { seq: string; kind: 'STOP'; jobId: string; attempt: number; reason: api.StopReason };

interface RawAssignment {
  seq: string;
  job_id: string;
  attempt: number;
  kind: 'ASSIGN' | 'STOP';
  stop_reason: string | null;
  tier: string | null;
  spec: unknown;
}

export async function insertAssignment(
  manager: EntityManager,
  providerId: string,
  item: { jobId: string; attempt: number; tier: api.Tier; spec: api.JobSpec },
): Promise<void> {
  await insert(manager, providerId, [item.jobId, item.attempt, 'ASSIGN', null, item.tier, JSON.stringify(api.JobSpec.toJSON(item.spec))]);
}

export async function insertStop(
  manager: EntityManager,
  providerId: string,
  item: { jobId: string; attempt: number; reason: api.StopReason },
): Promise<void> {
  await insert(manager, providerId, [item.jobId, item.attempt, 'STOP', item.reason, null, null]);
}

async function insert(manager: EntityManager, providerId: string, values: unknown[]): Promise<void> {
  await run(manager, 'SELECT pg_advisory_xact_lock($1, hashtext($2))', [ASSIGNMENT_LOCK_NAMESPACE, providerId]);
  await run(
    manager,
    `INSERT INTO assignments (provider_id, job_id, attempt, kind, stop_reason, tier, spec) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    [providerId, ...values],
  );
  // Delivered at commit, never for a rollback; the payload names the provider whose streams wake.
  await run(manager, `SELECT pg_notify($1 || '_' || current_schema(), $2)`, [ASSIGNMENTS_CHANNEL, providerId]);
}

/** Items after `cursor` for a provider, oldest first. */
export async function itemsAfter(manager: EntityManager, providerId: string, cursor: string, limit = 100): Promise<StreamItem[]> {
  const raws = await rows<RawAssignment>(
    manager,
    `SELECT seq::text, job_id, attempt, kind, stop_reason, tier, spec FROM assignments
     WHERE provider_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [providerId, cursor, limit],
  );
  return raws.map(itemOfRow);
}

/**
 * Where a stream without a cursor starts: the assignments of attempts the provider holds now
 * (placed or running), and the seq after which live items follow.
 */
export async function openAssignments(manager: EntityManager, providerId: string): Promise<{ items: StreamItem[]; cursor: string }> {
  const [head] = await rows<{ seq: string }>(manager, 'SELECT COALESCE(MAX(seq), 0)::text AS seq FROM assignments WHERE provider_id = $1', [
    providerId,
  ]);
  const cursor = head?.seq ?? '0';
  const raws = await rows<RawAssignment>(
    manager,
    `SELECT a.seq::text, a.job_id, a.attempt, a.kind, a.stop_reason, a.tier, a.spec
     FROM assignments a JOIN jobs j ON j.job_id = a.job_id AND j.attempt = a.attempt AND j.provider_id = a.provider_id
     WHERE a.provider_id = $1 AND a.kind = 'ASSIGN' AND a.seq <= $2 AND j.state IN ('PLACED', 'RUNNING')
     ORDER BY a.seq`,
    [providerId, cursor],
  );
  return { items: raws.map(itemOfRow), cursor };
}

function itemOfRow(raw: RawAssignment): StreamItem {
  if (raw.kind === 'STOP') {
    return { seq: raw.seq, kind: 'STOP', jobId: raw.job_id, attempt: raw.attempt, reason: raw.stop_reason as api.StopReason };
  }
  return {
    seq: raw.seq,
    kind: 'ASSIGN',
    jobId: raw.job_id,
    attempt: raw.attempt,
    tier: raw.tier as api.Tier,
    spec: api.JobSpec.fromJSON(raw.spec),
  };
}
