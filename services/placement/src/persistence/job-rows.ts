// The jobs table: placement's view of each job (spec, tier, where it is, what it holds).
import { api } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';
import type { ActiveJob, ActiveJobState, PlacedTier } from '../domain/index.js';
import { isPlacedTier } from '../domain/index.js';
import { rows, run } from './sql.js';

export type TerminalJobState = 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
export type JobRowState = ActiveJobState | TerminalJobState;

export const HOLDING_STATES: readonly JobRowState[] = ['PLACED', 'RUNNING'];
export const WAITING_STATES: readonly JobRowState[] = ['CLASSIFIED', 'QUEUED', 'REQUEUED'];
const TERMINAL_STATES: readonly JobRowState[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'];

export interface JobRow {
  jobId: string;
  tenantId: string;
  spec: api.JobSpec;
  tier: PlacedTier | undefined;
  state: JobRowState;
  attempt: number;
  providerId: string | undefined;
  operatorId: string | undefined;
  reservedGpuClass: string | undefined;
  reservedGpus: number;
  excludedProviderIds: string[];
  submittedAt: Date;
}

interface RawJob {
  job_id: string;
  tenant_id: string;
  spec: unknown;
  tier: string | null;
  state: JobRowState;
  attempt: number;
  provider_id: string | null;
  operator_id: string | null;
  reserved_gpu_class: string | null;
  reserved_gpus: number;
  excluded_provider_ids: string[];
  submitted_at: Date;
}

const COLUMNS = `job_id, tenant_id, spec, tier, state, attempt, provider_id, operator_id, reserved_gpu_class,
  reserved_gpus, excluded_provider_ids, submitted_at`;

export function isTerminal(state: JobRowState): state is TerminalJobState {
  return TERMINAL_STATES.includes(state);
}

export async function insertSubmittedJob(
  manager: EntityManager,
  job: { jobId: string; tenantId: string; spec: api.JobSpec; submittedAt: Date },
): Promise<boolean> {
  const deadline = job.spec.deadline ? new Date(Number(job.spec.deadline.seconds) * 1000 + Math.floor(job.spec.deadline.nanos / 1e6)) : null;
  const { count } = await run(
    manager,
    `INSERT INTO jobs (job_id, tenant_id, spec, state, submitted_at, deadline)
     VALUES ($1, $2, $3::jsonb, 'SUBMITTED', $4, $5) ON CONFLICT (job_id) DO NOTHING`,
    [job.jobId, job.tenantId, JSON.stringify(api.JobSpec.toJSON(job.spec)), job.submittedAt, deadline],
  );
  return count === 1;
}

/** The job, its row locked until the transaction ends: every change to a job goes through this. */
export async function lockJob(manager: EntityManager, jobId: string, options: { skipLocked?: boolean } = {}): Promise<JobRow | undefined> {
  const [raw] = await rows<RawJob>(
    manager,
    `SELECT ${COLUMNS} FROM jobs WHERE job_id = $1 FOR UPDATE${options.skipLocked ? ' SKIP LOCKED' : ''}`,
    [jobId],
  );
  return raw && jobOfRow(raw);
}

export async function findJob(manager: EntityManager, jobId: string): Promise<JobRow | undefined> {
  const [raw] = await rows<RawJob>(manager, `SELECT ${COLUMNS} FROM jobs WHERE job_id = $1`, [jobId]);
  return raw && jobOfRow(raw);
}

export async function jobsInStates(manager: EntityManager, states: readonly JobRowState[]): Promise<JobRow[]> {
  const raws = await rows<RawJob>(manager, `SELECT ${COLUMNS} FROM jobs WHERE state = ANY($1::text[])`, [states]);
  return raws.map(jobOfRow);
}

export interface JobChange {
  state: JobRowState;
  tier?: PlacedTier;
  attempt?: number;
  providerId?: string | null;
  operatorId?: string | null;
  reservedGpuClass?: string | null;
  reservedGpus?: number;
  excludedProviderIds?: readonly string[];
}

export async function updateJob(manager: EntityManager, jobId: string, change: JobChange): Promise<void> {
  const sets: string[] = ['state = $2', 'updated_at = now()'];
  const params: unknown[] = [jobId, change.state];
  const add = (column: string, value: unknown, cast = ''): void => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if (change.tier !== undefined) add('tier', change.tier);
  if (change.attempt !== undefined) add('attempt', change.attempt);
  if (change.providerId !== undefined) add('provider_id', change.providerId);
  if (change.operatorId !== undefined) add('operator_id', change.operatorId);
  if (change.reservedGpuClass !== undefined) add('reserved_gpu_class', change.reservedGpuClass);
  if (change.reservedGpus !== undefined) add('reserved_gpus', change.reservedGpus);
  if (change.excludedProviderIds !== undefined) add('excluded_provider_ids', [...change.excludedProviderIds], '::text[]');
  await run(manager, `UPDATE jobs SET ${sets.join(', ')} WHERE job_id = $1`, params);
}

/** The registry's view of a job (only meaningful for non-terminal jobs). */
export function activeJobOf(job: JobRow): ActiveJob {
  return {
    jobId: job.jobId,
    tenantId: job.tenantId,
    tier: job.tier,
    spec: job.spec,
    state: job.state as ActiveJobState,
    attempt: job.attempt,
    providerId: job.providerId,
    operatorId: job.operatorId,
    excludedProviderIds: job.excludedProviderIds,
    submittedAtMs: job.submittedAt.getTime(),
  };
}

function jobOfRow(raw: RawJob): JobRow {
  const tier = raw.tier === null ? undefined : (raw.tier as api.Tier);
  return {
    jobId: raw.job_id,
    tenantId: raw.tenant_id,
    spec: api.JobSpec.fromJSON(raw.spec),
    tier: tier !== undefined && isPlacedTier(tier) ? tier : undefined,
    state: raw.state,
    attempt: raw.attempt,
    providerId: raw.provider_id ?? undefined,
    operatorId: raw.operator_id ?? undefined,
    reservedGpuClass: raw.reserved_gpu_class ?? undefined,
    reservedGpus: raw.reserved_gpus,
    excludedProviderIds: raw.excluded_provider_ids,
    submittedAt: raw.submitted_at,
  };
}
