// The jobs-topic state the penalty decider needs: tenant, tier, latency bound, current placement.
import type { EntityManager } from 'typeorm';

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
}

export async function jobRow(manager: EntityManager, jobId: string): Promise<JobRow | undefined> {
  const rows: JobRow[] = await manager.query('SELECT * FROM payout_jobs WHERE job_id = $1', [jobId]);
  return rows[0];
}

type JobFields = Partial<Omit<JobRow, 'job_id'>>;

/** Inserts the job or sets the given fields on it. */
export async function upsertJob(manager: EntityManager, jobId: string, fields: JobFields): Promise<void> {
  const names = Object.keys(fields) as (keyof JobFields)[];
  const values = names.map((name) => fields[name]);
  const columns = ['job_id', ...names].join(', ');
  const placeholders = ['$1', ...names.map((_, i) => `$${i + 2}`)].join(', ');
  const updates = names.length === 0 ? 'NOTHING' : `UPDATE SET ${names.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}`;
  await manager.query(`INSERT INTO payout_jobs (${columns}) VALUES (${placeholders}) ON CONFLICT (job_id) DO ${updates}`, [jobId, ...values]);
}

export async function recordOperator(manager: EntityManager, providerId: string, operatorId: string): Promise<void> {
  await manager.query(
    `INSERT INTO payout_provider_operators (provider_id, operator_id) VALUES ($1, $2)
     ON CONFLICT (provider_id) DO UPDATE SET operator_id = EXCLUDED.operator_id`,
    [providerId, operatorId],
  );
}

export async function operatorOf(manager: EntityManager, providerId: string): Promise<string | undefined> {
  const rows: { operator_id: string }[] = await manager.query('SELECT operator_id FROM payout_provider_operators WHERE provider_id = $1', [providerId]);
  return rows[0]?.operator_id;
}
