// The job projection and its per-job history in PostgreSQL. Every method takes the
// EntityManager to run in, so callers decide the transaction (a gRPC command's, or the
// consumer's, which also holds the inbox claim).
import { api } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';
import type { UsageFact, UsageTally } from '../domain/settlement.js';

/** Channel a history append notifies (payload: the job id), delivered when its transaction commits. */
export const JOB_HISTORY_CHANNEL = 'intake_job_history';

export interface StoredJob {
  readonly job: api.Job;
  readonly tenantId: string;
  readonly fingerprint: string;
  readonly lastSeq: number;
}

export interface HistoryEntry {
  readonly seq: number;
  readonly eventType: string;
  readonly occurredAt: Date;
  readonly detail: string;
  readonly job: api.Job;
}

/** An applied event as the history records it. */
export interface AppliedEvent {
  readonly eventId: string;
  /** Short type name, e.g. `JobPlaced`. */
  readonly eventType: string;
  readonly occurredAt: Date;
  readonly detail: string;
}

export interface JobListFilter {
  readonly tenantId: string;
  readonly states: readonly string[];
  readonly tiers: readonly string[];
  /** Continue strictly after this (submitted_at, id), in newest-first order. */
  readonly after: { readonly submittedAt: string; readonly id: string } | undefined;
  readonly limit: number;
}

/** A history entry to append: the applied event, the job it left and its place in the job's history. */
export interface HistoryRow extends AppliedEvent {
  readonly jobId: string;
  readonly seq: number;
  readonly job: api.Job;
}

export interface ListedJob {
  readonly job: api.Job;
  readonly submittedAt: string;
  readonly id: string;
}

/** A usage record's row after a fact about it was recorded. */
export interface RecordedUsage {
  /** Null while the usage's UsageMetered is not seen (a posting waits for it). */
  readonly jobId: string | null;
  readonly metered: boolean;
  readonly posted: boolean;
}

interface JobRow {
  job: unknown;
  tenant_id: string;
  spec_fingerprint: string;
  last_seq: number;
}

export class JobStore {
  async findByIdempotencyKey(
    manager: EntityManager,
    tenantId: string,
    key: string,
  ): Promise<{ jobId: string; fingerprint: string } | undefined> {
    const rows: { id: string; spec_fingerprint: string }[] = await manager.query(
      'SELECT id, spec_fingerprint FROM jobs WHERE tenant_id = $1 AND idempotency_key = $2',
      [tenantId, key],
    );
    return rows[0] && { jobId: rows[0].id, fingerprint: rows[0].spec_fingerprint };
  }

  /**
   * The job, if it exists and (when `tenantId` is given) belongs to that tenant. `lock` takes
   * the row lock, so a command and the consumer never fold over each other's change.
   */
  async find(manager: EntityManager, jobId: string, options: { tenantId?: string; lock?: boolean } = {}): Promise<StoredJob | undefined> {
    const rows: JobRow[] = await manager.query(
      `SELECT job, tenant_id, spec_fingerprint, last_seq FROM jobs WHERE id = $1 ${options.lock ? 'FOR UPDATE' : ''}`,
      [jobId],
    );
    const row = rows[0];
    if (!row || (options.tenantId !== undefined && row.tenant_id !== options.tenantId)) return undefined;
    return { job: api.Job.fromJSON(row.job), tenantId: row.tenant_id, fingerprint: row.spec_fingerprint, lastSeq: row.last_seq };
  }

  /** The ids among `eventIds` already in a job's history (applied at the gRPC edge, or before). */
  async appliedAmong(manager: EntityManager, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows: { event_id: string }[] = await manager.query('SELECT event_id FROM job_history WHERE event_id = ANY($1::text[])', [
      eventIds,
    ]);
    return new Set(rows.map((r) => r.event_id));
  }

  /** The jobs, their rows locked (in id order, so two batches cannot deadlock), by id. */
  async lockMany(manager: EntityManager, jobIds: readonly string[]): Promise<Map<string, StoredJob>> {
    if (jobIds.length === 0) return new Map();
    const rows: (JobRow & { id: string })[] = await manager.query(
      'SELECT id, job, tenant_id, spec_fingerprint, last_seq FROM jobs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [jobIds],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        { job: api.Job.fromJSON(row.job), tenantId: row.tenant_id, fingerprint: row.spec_fingerprint, lastSeq: row.last_seq },
      ]),
    );
  }

  /** Stores the jobs as they are after the batch and appends its history entries, then notifies WatchJob once per job. */
  async applyMany(
    manager: EntityManager,
    jobs: readonly { job: api.Job; lastSeq: number; updatedAt: Date }[],
    history: readonly HistoryRow[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    await manager.query(
      `UPDATE jobs SET state = x.s, tier = x.t, updated_at = x.u, job = x.j, last_seq = x.q
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::int[]) AS x(id, s, t, u, j, q)
        WHERE jobs.id = x.id`,
      [
        jobs.map((j) => j.job.id),
        jobs.map((j) => j.job.state),
        jobs.map((j) => j.job.tier),
        jobs.map((j) => j.updatedAt.toISOString()),
        jobs.map((j) => JSON.stringify(api.Job.toJSON(j.job))),
        jobs.map((j) => j.lastSeq),
      ],
    );
    await manager.query(
      `INSERT INTO job_history (job_id, seq, event_id, event_type, occurred_at, detail, job)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::jsonb[])`,
      [
        history.map((h) => h.jobId),
        history.map((h) => h.seq),
        history.map((h) => h.eventId),
        history.map((h) => h.eventType),
        history.map((h) => h.occurredAt.toISOString()),
        history.map((h) => h.detail),
        history.map((h) => JSON.stringify(api.Job.toJSON(h.job))),
      ],
    );
    await manager.query('SELECT pg_notify($1, id) FROM unnest($2::text[]) AS id', [JOB_HISTORY_CHANNEL, jobs.map((j) => j.job.id)]);
  }

  /** Stores the job as it is after `event` and appends the event to its history (one job's applyMany). */
  async apply(manager: EntityManager, before: StoredJob, job: api.Job, event: AppliedEvent): Promise<void> {
    const seq = before.lastSeq + 1;
    await this.applyMany(manager, [{ job, lastSeq: seq, updatedAt: event.occurredAt }], [{ jobId: job.id, seq, ...event, job }]);
  }

  /**
   * Records usage facts (at most one per usage id): one row per usage record, whichever of its
   * UsageMetered (which names the job) and PostingRecorded comes first. By usage id, the facts
   * that are news — the row as it is now (its job id null while the usage's UsageMetered is not
   * seen yet); a fact already recorded (a redelivery, the same usage metered twice) is absent.
   * Rows are written in usage id order, so two runs cannot deadlock.
   */
  async recordUsage(manager: EntityManager, facts: readonly UsageFact[]): Promise<Map<string, RecordedUsage>> {
    if (facts.length === 0) return new Map();
    const rows: { usage_id: string; job_id: string | null; metered: boolean; posted: boolean }[] = await manager.query(
      `INSERT INTO job_usage (usage_id, job_id, metered, posted)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::boolean[], $4::boolean[]) AS x(usage_id, job_id, metered, posted) ORDER BY usage_id
       ON CONFLICT (usage_id) DO UPDATE
         SET job_id = COALESCE(EXCLUDED.job_id, job_usage.job_id),
             metered = job_usage.metered OR EXCLUDED.metered,
             posted = job_usage.posted OR EXCLUDED.posted
       WHERE (EXCLUDED.metered AND NOT job_usage.metered) OR (EXCLUDED.posted AND NOT job_usage.posted)
       RETURNING usage_id, job_id, metered, posted`,
      [
        facts.map((f) => f.usageId),
        facts.map((f) => (f.kind === 'metered' ? f.jobId : null)),
        facts.map((f) => f.kind === 'metered'),
        facts.map((f) => f.kind === 'posted'),
      ],
    );
    return new Map(rows.map((row) => [row.usage_id, { jobId: row.job_id, metered: row.metered, posted: row.posted }]));
  }

  /** What is known of each job's usage records (jobs with none are absent). */
  async usageTallies(manager: EntityManager, jobIds: readonly string[]): Promise<Map<string, UsageTally>> {
    if (jobIds.length === 0) return new Map();
    const rows: { job_id: string; metered: number; posted: number }[] = await manager.query(
      `SELECT job_id, count(*) FILTER (WHERE metered)::int AS metered, count(*) FILTER (WHERE metered AND posted)::int AS posted
         FROM job_usage WHERE job_id = ANY($1::uuid[]) GROUP BY job_id`,
      [jobIds],
    );
    return new Map(rows.map((row) => [row.job_id, { metered: row.metered, posted: row.posted }]));
  }

  async list(manager: EntityManager, filter: JobListFilter): Promise<ListedJob[]> {
    const params: unknown[] = [filter.tenantId];
    const where = ['tenant_id = $1'];
    if (filter.states.length > 0) where.push(`state = ANY($${params.push(filter.states)}::text[])`);
    if (filter.tiers.length > 0) where.push(`tier = ANY($${params.push(filter.tiers)}::text[])`);
    if (filter.after) {
      where.push(`(submitted_at, id) < ($${params.push(filter.after.submittedAt)}::timestamptz, $${params.push(filter.after.id)}::uuid)`);
    }
    const rows: { job: unknown; id: string; submitted_at: string }[] = await manager.query(
      `SELECT job, id, to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS submitted_at
       FROM jobs WHERE ${where.join(' AND ')}
       ORDER BY submitted_at DESC, id DESC
       LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map((row) => ({ job: api.Job.fromJSON(row.job), id: row.id, submittedAt: row.submitted_at }));
  }

  /** History entries of a job after `afterSeq`, oldest first. */
  async historyAfter(manager: EntityManager, jobId: string, afterSeq: number, limit: number): Promise<HistoryEntry[]> {
    const rows: { seq: number; event_type: string; occurred_at: Date; detail: string; job: unknown }[] = await manager.query(
      'SELECT seq, event_type, occurred_at, detail, job FROM job_history WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [jobId, afterSeq, limit],
    );
    return rows.map((row) => ({
      seq: row.seq,
      eventType: row.event_type,
      occurredAt: row.occurred_at,
      detail: row.detail,
      job: api.Job.fromJSON(row.job),
    }));
  }
}
