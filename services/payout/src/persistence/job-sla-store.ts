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

/** A job's row as a run of job facts folds it; timestamps read back as text, so rewriting them loses nothing. */
export interface JobState extends Omit<JobRow, 'deadline' | 'placed_at' | 'started_at'> {
  deadline: Date | string | null;
  placed_at: Date | string | null;
  started_at: Date | string | null;
}

/** A job payout has not seen yet, as the table's defaults have it. */
export function newJob(jobId: string): JobState {
  return {
    job_id: jobId,
    tenant_id: null,
    tier: 'TIER_UNSPECIFIED',
    max_latency_ms: 0,
    deadline: null,
    provider_id: null,
    attempt: 0,
    placed_event_id: null,
    placed_at: null,
    started_at: null,
    gang_members: {},
  };
}

/** The stored rows of these jobs, locked in job id order (no deadlock between batches). */
export async function lockJobs(manager: EntityManager, jobIds: readonly string[]): Promise<JobState[]> {
  return manager.query(
    `SELECT job_id, tenant_id, tier, max_latency_ms, deadline::text AS deadline, provider_id, attempt, placed_event_id,
            placed_at::text AS placed_at, started_at::text AS started_at, gang_members
     FROM payout_jobs WHERE job_id = ANY($1) ORDER BY job_id FOR UPDATE`,
    [jobIds],
  );
}

/** Writes the folded jobs in one statement (inserted, or every column set), in job id order. */
export async function saveJobs(manager: EntityManager, jobs: readonly JobState[]): Promise<void> {
  if (jobs.length === 0) return;
  const rows = [...jobs].sort((a, b) => (a.job_id < b.job_id ? -1 : a.job_id > b.job_id ? 1 : 0));
  const column = <K extends keyof JobState>(name: K) => rows.map((row) => row[name]);
  await manager.query(
    `INSERT INTO payout_jobs (job_id, tenant_id, tier, max_latency_ms, deadline, provider_id, attempt, placed_event_id, placed_at, started_at, gang_members)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::text[], $7::int[], $8::text[],
                          $9::timestamptz[], $10::timestamptz[], $11::jsonb[])
     ON CONFLICT (job_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, tier = EXCLUDED.tier, max_latency_ms = EXCLUDED.max_latency_ms,
       deadline = EXCLUDED.deadline, provider_id = EXCLUDED.provider_id, attempt = EXCLUDED.attempt,
       placed_event_id = EXCLUDED.placed_event_id, placed_at = EXCLUDED.placed_at, started_at = EXCLUDED.started_at,
       gang_members = EXCLUDED.gang_members`,
    [
      column('job_id'),
      column('tenant_id'),
      rows.map((row) => String(row.tier)),
      column('max_latency_ms'),
      column('deadline'),
      column('provider_id'),
      column('attempt'),
      column('placed_event_id'),
      column('placed_at'),
      column('started_at'),
      rows.map((row) => JSON.stringify(row.gang_members)),
    ],
  );
}

/** An attempt of a job: `jobId#attempt`, the key gangsOf answers by. */
export const attemptKey = (jobId: string, attempt: number): string => `${jobId}#${attempt}`;

/**
 * The members of each attempt's gang (none for a single-provider attempt), by attemptKey, in one
 * read; an attempt whose JobPlaced payout has not folded yet is missing from the map.
 */
export async function gangsOf(
  manager: EntityManager,
  attempts: readonly { readonly jobId: string; readonly attempt: number }[],
): Promise<Map<string, GangMember[]>> {
  const keys = new Map(attempts.map((a) => [attemptKey(a.jobId, a.attempt), a]));
  if (keys.size === 0) return new Map();
  const rows: { job_id: string; attempt: number; members: GangMember[] | null }[] = await manager.query(
    `SELECT a.job_id, a.attempt, j.gang_members -> a.attempt::text AS members
     FROM unnest($1::text[], $2::int[]) AS a(job_id, attempt) JOIN payout_jobs j ON j.job_id = a.job_id
     WHERE j.placed_event_id IS NOT NULL AND j.attempt >= a.attempt`,
    [[...keys.values()].map((a) => a.jobId), [...keys.values()].map((a) => a.attempt)],
  );
  return new Map(rows.map((row) => [attemptKey(row.job_id, row.attempt), row.members ?? []]));
}

/** Records which operator runs each provider (one statement; the map holds the last word for each). */
export async function recordOperators(manager: EntityManager, operators: ReadonlyMap<string, string>): Promise<void> {
  if (operators.size === 0) return;
  const providers = [...operators.keys()].sort();
  await manager.query(
    `INSERT INTO payout_provider_operators (provider_id, operator_id) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (provider_id) DO UPDATE SET operator_id = EXCLUDED.operator_id`,
    [providers, providers.map((provider) => operators.get(provider)!)],
  );
}

export async function operatorOf(manager: EntityManager, providerId: string): Promise<string | undefined> {
  const rows: { operator_id: string }[] = await manager.query('SELECT operator_id FROM payout_provider_operators WHERE provider_id = $1', [
    providerId,
  ]);
  return rows[0]?.operator_id;
}
