// metering_jobs: the slice of the jobs topic metering prices with. Every read and write of a job is
// one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, which takes the job's row lock, so a job's
// usage reports and its classification serialise on one row lock and a report can never be parked
// after its job became priceable without being seen.
import type { api } from '@switchyard/contracts';
import type { MeteredJob } from '../domain/index.js';
import type { EntityManager } from 'typeorm';

export interface JobRow {
  readonly jobId: string;
  readonly tenantId: string | null;
  readonly gpuClass: string | null;
  readonly tier: api.Tier | null;
}

type JobRecord = { job_id: string; tenant_id: string | null; gpu_class: string | null; tier: api.Tier | null };
const RETURNING_JOB = 'RETURNING job_id, tenant_id, gpu_class, tier';

/** One upsert that writes the job's facts and returns its row, holding the row lock for the rest of the transaction. */
async function upsertJob(manager: EntityManager, sql: string, parameters: unknown[]): Promise<JobRow> {
  const [row] = (await manager.query(`${sql} ${RETURNING_JOB}`, parameters)) as JobRecord[];
  if (!row) throw new Error(`metering_jobs upsert of ${String(parameters[0])} returned no row`);
  return { jobId: row.job_id, tenantId: row.tenant_id, gpuClass: row.gpu_class, tier: row.tier };
}

/** Locks the job's row for this transaction, creating an empty one when the job is not known yet. */
export function lockJob(manager: EntityManager, jobId: string): Promise<JobRow> {
  // DO UPDATE (not DO NOTHING) so the statement locks and returns an existing row too.
  return upsertJob(manager, 'INSERT INTO metering_jobs (job_id) VALUES ($1) ON CONFLICT (job_id) DO UPDATE SET job_id = EXCLUDED.job_id', [
    jobId,
  ]);
}

export function recordSubmitted(
  manager: EntityManager,
  jobId: string,
  tenantId: string,
  gpuClass: string,
  submittedAt: Date | null,
): Promise<JobRow> {
  return upsertJob(
    manager,
    `INSERT INTO metering_jobs (job_id, tenant_id, gpu_class, submitted_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (job_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, gpu_class = EXCLUDED.gpu_class, submitted_at = EXCLUDED.submitted_at`,
    [jobId, tenantId, gpuClass, submittedAt],
  );
}

export function recordClassified(manager: EntityManager, jobId: string, tier: api.Tier, classifiedAt: Date | null): Promise<JobRow> {
  return upsertJob(
    manager,
    `INSERT INTO metering_jobs (job_id, tier, classified_at) VALUES ($1, $2, $3)
     ON CONFLICT (job_id) DO UPDATE SET tier = EXCLUDED.tier, classified_at = EXCLUDED.classified_at`,
    [jobId, tier, classifiedAt],
  );
}

/** The job as the domain prices it, once tenant, tier and GPU class are all known. */
export function priceableJob(job: JobRow): MeteredJob | undefined {
  if (job.tenantId === null || job.gpuClass === null || job.tier === null) return undefined;
  return { tenantId: job.tenantId, tier: job.tier, gpuClass: job.gpuClass };
}

export async function recordProviderOperator(manager: EntityManager, providerId: string, operatorId: string): Promise<void> {
  await manager.query(
    `INSERT INTO metering_provider_operators (provider_id, operator_id) VALUES ($1, $2)
     ON CONFLICT (provider_id) DO UPDATE SET operator_id = EXCLUDED.operator_id`,
    [providerId, operatorId],
  );
}

export async function operatorOfProvider(manager: EntityManager, providerId: string): Promise<string | undefined> {
  const [row] = (await manager.query('SELECT operator_id FROM metering_provider_operators WHERE provider_id = $1', [providerId])) as {
    operator_id: string;
  }[];
  return row?.operator_id;
}
