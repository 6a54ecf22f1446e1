// metering_jobs: the slice of the jobs topic metering prices with. Every read and write of a job is
// an INSERT ... ON CONFLICT DO UPDATE (of one row, or of a run's rows in job_id order), which takes
// the job's row lock, so a job's usage reports and its classification serialise on one row lock
// and a report can never be parked after its job became priceable without being seen.
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

/**
 * Locks the jobs' rows for this transaction (in job_id order), creating an empty row for a job not
 * known yet; returns each job's row.
 */
export async function lockJobs(manager: EntityManager, jobIds: readonly string[]): Promise<Map<string, JobRow>> {
  const sorted = [...new Set(jobIds)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // DO UPDATE (not DO NOTHING) so the statement locks and returns an existing row too.
  const rows = (await manager.query(
    `INSERT INTO metering_jobs (job_id) SELECT job_id FROM unnest($1::text[]) WITH ORDINALITY AS t(job_id, n) ORDER BY n
     ON CONFLICT (job_id) DO UPDATE SET job_id = EXCLUDED.job_id ${RETURNING_JOB}`,
    [sorted],
  )) as JobRecord[];
  if (rows.length !== sorted.length) throw new Error(`metering_jobs lock of ${sorted.length} jobs returned ${rows.length} rows`);
  return new Map(rows.map((row) => [row.job_id, { jobId: row.job_id, tenantId: row.tenant_id, gpuClass: row.gpu_class, tier: row.tier }]));
}

/** A job's facts from one run of its events, folded in log order; undefined = not in the run. */
export interface JobFacts {
  readonly jobId: string;
  readonly submitted?: { readonly tenantId: string; readonly gpuClass: string; readonly submittedAt: Date | null };
  readonly classified?: { readonly tier: api.Tier; readonly classifiedAt: Date | null };
}

type PriorRecord = Pick<JobRecord, 'job_id'> & {
  prior_tenant_id: string | null;
  prior_gpu_class: string | null;
  prior_tier: api.Tier | null;
};

/**
 * Writes the jobs' facts in one statement (rows in job_id order, so row locks are taken in a
 * deterministic order) and returns, per job, its row as it was before. A fact absent from the run
 * keeps its stored value (tenant and tier are never null once set). The row before is read in the
 * same statement; only this job's partition changes its facts, so it is the state the run started from.
 */
export async function recordFacts(manager: EntityManager, facts: readonly JobFacts[]): Promise<Map<string, JobRow>> {
  const sorted = [...facts].sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
  const rows = (await manager.query(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::timestamptz[])
         WITH ORDINALITY AS t(job_id, tenant_id, gpu_class, submitted_at, tier, classified_at, n)
     ), prior AS (
       SELECT job_id, tenant_id, gpu_class, tier FROM metering_jobs WHERE job_id IN (SELECT job_id FROM input)
     ), upserted AS (
       INSERT INTO metering_jobs (job_id, tenant_id, gpu_class, submitted_at, tier, classified_at)
       SELECT job_id, tenant_id, gpu_class, submitted_at, tier, classified_at FROM input ORDER BY n
       ON CONFLICT (job_id) DO UPDATE SET
         tenant_id = COALESCE(EXCLUDED.tenant_id, metering_jobs.tenant_id),
         gpu_class = CASE WHEN EXCLUDED.tenant_id IS NULL THEN metering_jobs.gpu_class ELSE EXCLUDED.gpu_class END,
         submitted_at = CASE WHEN EXCLUDED.tenant_id IS NULL THEN metering_jobs.submitted_at ELSE EXCLUDED.submitted_at END,
         tier = COALESCE(EXCLUDED.tier, metering_jobs.tier),
         classified_at = CASE WHEN EXCLUDED.tier IS NULL THEN metering_jobs.classified_at ELSE EXCLUDED.classified_at END
       RETURNING job_id
     )
     SELECT u.job_id, p.tenant_id AS prior_tenant_id, p.gpu_class AS prior_gpu_class, p.tier AS prior_tier
     FROM upserted u LEFT JOIN prior p USING (job_id)`,
    [
      sorted.map((f) => f.jobId),
      sorted.map((f) => f.submitted?.tenantId ?? null),
      sorted.map((f) => f.submitted?.gpuClass ?? null),
      sorted.map((f) => f.submitted?.submittedAt ?? null),
      sorted.map((f) => f.classified?.tier ?? null),
      sorted.map((f) => f.classified?.classifiedAt ?? null),
    ],
  )) as PriorRecord[];
  if (rows.length !== sorted.length) throw new Error(`metering_jobs upsert of ${sorted.length} jobs returned ${rows.length} rows`);
  return new Map(
    rows.map((row) => [
      row.job_id,
      { jobId: row.job_id, tenantId: row.prior_tenant_id, gpuClass: row.prior_gpu_class, tier: row.prior_tier },
    ]),
  );
}

/** The job as the domain prices it, once tenant, tier and GPU class are all known. */
export function priceableJob(job: JobRow): MeteredJob | undefined {
  if (job.tenantId === null || job.gpuClass === null || job.tier === null) return undefined;
  return { tenantId: job.tenantId, tier: job.tier, gpuClass: job.gpuClass };
}

/** Provider -> operator, one row per provider (the caller passes each provider once, its last operator). */
export async function recordProviderOperators(manager: EntityManager, operators: ReadonlyMap<string, string>): Promise<void> {
  if (operators.size === 0) return;
  const providers = [...operators.keys()].sort();
  await manager.query(
    `INSERT INTO metering_provider_operators (provider_id, operator_id)
     SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (provider_id) DO UPDATE SET operator_id = EXCLUDED.operator_id`,
    [providers, providers.map((p) => operators.get(p))],
  );
}

export async function operatorOfProvider(manager: EntityManager, providerId: string): Promise<string | undefined> {
  const [row] = (await manager.query('SELECT operator_id FROM metering_provider_operators WHERE provider_id = $1', [providerId])) as {
    operator_id: string;
  }[];
  return row?.operator_id;
}
