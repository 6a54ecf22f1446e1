// SubmitJob's writes, a batch of submissions at a time: one statement per kind of row, whatever
// the batch's size (priors by idempotency key, the tenants' running commitments, the jobs, their
// first history entries and notifications). Called inside the batch's transaction.
import { api } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';
import type { PriorSubmission } from '../domain/submit-job.js';
import { JOB_HISTORY_CHANNEL } from './job-store.js';

export const priorKey = (tenantId: string, idempotencyKey: string): string => `${tenantId}\n${idempotencyKey}`;

/** Earlier submissions under the batch's keys, by priorKey. */
export async function priorsOf(
  manager: EntityManager,
  keys: readonly { tenantId: string; idempotencyKey: string }[],
): Promise<Map<string, PriorSubmission>> {
  const named = keys.filter((k) => k.idempotencyKey !== '');
  if (named.length === 0) return new Map();
  const rows: { tenant_id: string; idempotency_key: string; id: string; spec_fingerprint: string }[] = await manager.query(
    `SELECT j.tenant_id, j.idempotency_key, j.id, j.spec_fingerprint
       FROM jobs j JOIN unnest($1::text[], $2::text[]) AS k(t, key) ON j.tenant_id = k.t AND j.idempotency_key = k.key`,
    [named.map((k) => k.tenantId), named.map((k) => k.idempotencyKey)],
  );
  return new Map(rows.map((r) => [priorKey(r.tenant_id, r.idempotency_key), { jobId: r.id, fingerprint: r.spec_fingerprint }]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The tenant of each of `jobIds` that is a stored job (dependencies are checked against it). */
export async function tenantsOfJobs(manager: EntityManager, jobIds: readonly string[]): Promise<Map<string, string>> {
  // Ids that are not UUIDs name no job (validation refuses them); they must not reach the ::uuid cast.
  const ids = [...new Set(jobIds)].filter((id) => UUID.test(id));
  if (ids.length === 0) return new Map();
  const rows: { id: string; tenant_id: string }[] = await manager.query(
    'SELECT id::text AS id, tenant_id FROM jobs WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.tenant_id]));
}

/**
 * The running commitments of capped tenants, locked until the batch commits (two batches of one
 * tenant cannot both fit in the same remainder). A tenant seen for the first time gets its row
 * from its jobs since the last epoch cutoff: once, not per submission.
 */
export async function lockCommitments(manager: EntityManager, tenantIds: readonly string[]): Promise<Map<string, bigint>> {
  if (tenantIds.length === 0) return new Map();
  await manager.query(
    `INSERT INTO spending_commitments (tenant_id, window_start, committed_base_units)
     SELECT t, w.cutoff,
            COALESCE((SELECT SUM(worst_case_base_units) FROM jobs j
                       WHERE j.tenant_id = t AND j.submitted_at > w.cutoff AND j.state NOT IN ('JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED')), 0)
       FROM unnest($1::text[]) AS t, (SELECT COALESCE(MAX(cutoff), '-infinity'::timestamptz) AS cutoff FROM epochs) AS w
      WHERE NOT EXISTS (SELECT 1 FROM spending_commitments c WHERE c.tenant_id = t)
     ON CONFLICT (tenant_id) DO NOTHING`,
    [tenantIds],
  );
  const rows: { tenant_id: string; committed: string }[] = await manager.query(
    'SELECT tenant_id, committed_base_units::text AS committed FROM spending_commitments WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id FOR UPDATE',
    [tenantIds],
  );
  return new Map(rows.map((r) => [r.tenant_id, BigInt(r.committed)]));
}

export async function addCommitments(manager: EntityManager, added: ReadonlyMap<string, bigint>): Promise<void> {
  const entries = [...added].filter(([, amount]) => amount > 0n);
  if (entries.length === 0) return;
  await manager.query(
    `UPDATE spending_commitments c SET committed_base_units = c.committed_base_units + a.amount
       FROM unnest($1::text[], $2::bigint[]) AS a(t, amount) WHERE c.tenant_id = a.t`,
    [entries.map(([t]) => t), entries.map(([, amount]) => amount.toString())],
  );
}

export interface NewJob {
  readonly job: api.Job;
  readonly tenantId: string;
  readonly fingerprint: string;
  readonly worstCaseBaseUnits: bigint;
  readonly eventId: string;
  readonly submittedAt: Date;
}

/**
 * Inserts the jobs with their first history entry (seq 1) and notifies WatchJob; a job whose
 * (tenant, key) was taken meanwhile (another instance's concurrent submission) is not inserted.
 * Returns the ids inserted.
 */
export async function insertJobs(manager: EntityManager, jobs: readonly NewJob[]): Promise<Set<string>> {
  if (jobs.length === 0) return new Set();
  const inserted: { id: string }[] = await manager.query(
    `INSERT INTO jobs (id, tenant_id, idempotency_key, spec_fingerprint, state, tier, submitted_at, updated_at, last_seq, job, worst_case_base_units)
     SELECT id, t, k, f, s, ti, at, at, 1, j, w
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::jsonb[], $9::bigint[])
            AS x(id, t, k, f, s, ti, at, j, w)
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      jobs.map((n) => n.job.id),
      jobs.map((n) => n.tenantId),
      jobs.map((n) => n.job.idempotencyKey),
      jobs.map((n) => n.fingerprint),
      jobs.map((n) => n.job.state),
      jobs.map((n) => n.job.tier),
      jobs.map((n) => n.submittedAt.toISOString()),
      jobs.map((n) => JSON.stringify(api.Job.toJSON(n.job))),
      jobs.map((n) => n.worstCaseBaseUnits.toString()),
    ],
  );
  const ids = new Set(inserted.map((r) => r.id));
  const stored = jobs.filter((n) => ids.has(n.job.id));
  if (stored.length === 0) return ids;
  await manager.query(
    `INSERT INTO job_history (job_id, seq, event_id, event_type, occurred_at, detail, job)
     SELECT id, 1, e, 'JobSubmitted', at, '', j FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::jsonb[]) AS x(id, e, at, j)`,
    [
      stored.map((n) => n.job.id),
      stored.map((n) => n.eventId),
      stored.map((n) => n.submittedAt.toISOString()),
      stored.map((n) => JSON.stringify(api.Job.toJSON(n.job))),
    ],
  );
  await manager.query('SELECT pg_notify($1, id) FROM unnest($2::text[]) AS id', [JOB_HISTORY_CHANNEL, stored.map((n) => n.job.id)]);
  return ids;
}

/** Jobs by id (a duplicate submission is answered with the job it repeats). */
export async function jobsById(manager: EntityManager, ids: readonly string[]): Promise<Map<string, api.Job>> {
  if (ids.length === 0) return new Map();
  const rows: { id: string; job: unknown }[] = await manager.query('SELECT id, job FROM jobs WHERE id = ANY($1::uuid[])', [ids]);
  return new Map(rows.map((r) => [r.id, api.Job.fromJSON(r.job)]));
}
