// The jobs-topic state the penalty decider needs: tenant, tier, latency bound, current placement;
// and the members of each attempt placed as a gang split over providers, for sharing its earning.
import type { EntityManager } from 'typeorm';
import type { GangMember } from '../domain/index.js';

export interface JobRow {
  job_id: string;
  tenant_id: string | null;
  tier: string;
  max_latency_ms: number;
  deadline: Date | null;
  provider_id: string | null;
  attempt: number;
  placed_event_id: string | null;
  placed_at: Date | null;
  started_at: Date | null;
  /** Members of each gang attempt, by attempt number (see AddGangShares1765000000003). */
  gang_members: Record<string, GangMember[]>;
}

export async function jobRow(manager: EntityManager, jobId: string): Promise<JobRow | undefined> {
  const rows: JobRow[] = await manager.query('SELECT * FROM payout_jobs WHERE job_id = $1', [jobId]);
  return rows[0];
}

type JobFields = Partial<Omit<JobRow, 'job_id' | 'gang_members'>>;

/** Inserts the job or sets the given fields on it. */
export async function upsertJob(manager: EntityManager, jobId: string, fields: JobFields): Promise<void> {
  const names = Object.keys(fields) as (keyof JobFields)[];
  const values = names.map((name) => fields[name]);
  const columns = ['job_id', ...names].join(', ');
  const placeholders = ['$1', ...names.map((_, i) => `$${i + 2}`)].join(', ');
  const updates = names.length === 0 ? 'NOTHING' : `UPDATE SET ${names.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}`;
  await manager.query(`INSERT INTO payout_jobs (${columns}) VALUES (${placeholders}) ON CONFLICT (job_id) DO ${updates}`, [
    jobId,
    ...values,
  ]);
}

/** Sets when the job's attempt started, only while that attempt is the job's current one (else nothing). */
export async function recordStarted(manager: EntityManager, jobId: string, attempt: number, startedAt: Date): Promise<void> {
  await manager.query('UPDATE payout_jobs SET started_at = $3 WHERE job_id = $1 AND attempt = $2', [jobId, attempt, startedAt]);
}

/** Keeps the members of a gang attempt; the job's row exists (upsertJob of the same JobPlaced). */
export async function recordGang(manager: EntityManager, jobId: string, attempt: number, members: readonly GangMember[]): Promise<void> {
  const listed = members.map((member) => ({ providerId: member.providerId, gpuCount: member.gpuCount }));
  await manager.query('UPDATE payout_jobs SET gang_members = gang_members || jsonb_build_object($2::text, $3::jsonb) WHERE job_id = $1', [
    jobId,
    String(attempt),
    JSON.stringify(listed),
  ]);
}

/**
 * The members of the attempt's gang (none for a single-provider attempt), or undefined while
 * payout has not folded the attempt's JobPlaced yet.
 */
export async function gangOf(manager: EntityManager, jobId: string, attempt: number): Promise<GangMember[] | undefined> {
  const rows: { placed: boolean; members: GangMember[] | null }[] = await manager.query(
    'SELECT placed_event_id IS NOT NULL AND attempt >= $2 AS placed, gang_members -> $3::text AS members FROM payout_jobs WHERE job_id = $1',
    [jobId, attempt, String(attempt)],
  );
  const row = rows[0];
  if (!row?.placed) return undefined;
  return row.members ?? [];
}

export async function recordOperator(manager: EntityManager, providerId: string, operatorId: string): Promise<void> {
  await manager.query(
    `INSERT INTO payout_provider_operators (provider_id, operator_id) VALUES ($1, $2)
     ON CONFLICT (provider_id) DO UPDATE SET operator_id = EXCLUDED.operator_id`,
    [providerId, operatorId],
  );
}

export async function operatorOf(manager: EntityManager, providerId: string): Promise<string | undefined> {
  const rows: { operator_id: string }[] = await manager.query('SELECT operator_id FROM payout_provider_operators WHERE provider_id = $1', [
    providerId,
  ]);
  return rows[0]?.operator_id;
}
