// metering_jobs: the slice of the jobs topic metering prices with. Every write goes through
// lockJob first, so a job's usage reports and its classification serialise on one row lock and
// a report can never be parked after its job became priceable without being seen.
import type { api } from '@switchyard/contracts';
import type { MeteredJob } from '../domain/index.js';
import type { EntityManager } from 'typeorm';

export interface JobRow {
  readonly jobId: string;
  readonly tenantId: string | null;
  readonly gpuClass: string | null;
  readonly tier: api.Tier | null;
}

/** Locks the job's row for this transaction, creating an empty one when the job is not known yet. */
export async function lockJob(manager: EntityManager, jobId: string): Promise<JobRow> {
  await manager.query('INSERT INTO metering_jobs (job_id) VALUES ($1) ON CONFLICT (job_id) DO NOTHING', [jobId]);
  const [row] = (await manager.query('SELECT job_id, tenant_id, gpu_class, tier FROM metering_jobs WHERE job_id = $1 FOR UPDATE', [
    jobId,
  ])) as {
    job_id: string;
    tenant_id: string | null;
    gpu_class: string | null;
    tier: api.Tier | null;
  }[];
  if (!row) throw new Error(`metering_jobs row of ${jobId} vanished inside its transaction`);
  return { jobId: row.job_id, tenantId: row.tenant_id, gpuClass: row.gpu_class, tier: row.tier };
}

export async function recordSubmitted(
  manager: EntityManager,
  jobId: string,
  tenantId: string,
  gpuClass: string,
  submittedAt: Date | null,
): Promise<JobRow> {
  const job = await lockJob(manager, jobId);
  await manager.query('UPDATE metering_jobs SET tenant_id = $2, gpu_class = $3, submitted_at = $4 WHERE job_id = $1', [
    jobId,
    tenantId,
    gpuClass,
    submittedAt,
  ]);
  return { ...job, tenantId, gpuClass };
}

export async function recordClassified(manager: EntityManager, jobId: string, tier: api.Tier, classifiedAt: Date | null): Promise<JobRow> {
  const job = await lockJob(manager, jobId);
  await manager.query('UPDATE metering_jobs SET tier = $2, classified_at = $3 WHERE job_id = $1', [jobId, tier, classifiedAt]);
  return { ...job, tier };
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
