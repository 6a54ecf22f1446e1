// Runs the pure placeJob decider for one waiting job and makes its decision stick: the GPUs are
// reserved by a conditional UPDATE in the same transaction as the JobPlaced outbox row and the
// assignment. If another transaction (this instance or another) took the GPUs between reading the
// registry and reserving, the UPDATE matches no row; the decision is then re-run on fresh state.
import type { api } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';
import { placeJob, type PlacementPolicy } from '../domain/index.js';
import { jobEnvelope, type Causation } from '../event-envelopes.js';
import type { PlacementEvents } from '../placement-events.js';
import { insertAssignment } from '../persistence/assignment-rows.js';
import { updateJob, type JobRow } from '../persistence/job-rows.js';
import { reserveGpus } from '../persistence/provider-rows.js';
import { loadRegistry } from '../persistence/registry-snapshot.js';

/** Decision rounds before giving up (the event is then retried by the consumer runtime). */
const MAX_ROUNDS = 8;

/** `lostRaces`: decisions re-run because another transaction took the chosen GPUs first. */
export type PlacementOutcome =
  | { type: 'placed'; providerId: string; lostRaces: number }
  | { type: 'queued'; reasons: readonly string[]; lostRaces: number };

export interface PlaceWaitingJob {
  manager: EntityManager;
  events: PlacementEvents;
  policy: PlacementPolicy;
  /** Locked by the caller and waiting (CLASSIFIED, QUEUED or REQUEUED) with a placeable tier. */
  job: JobRow;
  /** Time of the triggering event or tick. */
  at: api.Timestamp;
  /** Whether a JobQueued is appended when nothing fits (not when retrying an already queued job). */
  announceQueued: boolean;
  cause?: Causation;
}

export async function placeWaitingJob(input: PlaceWaitingJob): Promise<PlacementOutcome> {
  const { manager, job, policy, at } = input;
  if (job.tier === undefined) throw new Error(`job ${job.jobId} has no placeable tier`);
  const request = {
    jobId: job.jobId,
    tenantId: job.tenantId,
    tier: job.tier,
    spec: job.spec,
    attempt: job.attempt,
    excludedProviderIds: job.excludedProviderIds,
    at,
  };
  // The operator share cap counts the tenant's active work in the tier, which other placement
  // instances change concurrently: decisions for one (tenant, tier) take turns, each reading the
  // registry after the previous one committed. Capacity needs no lock: reserveGpus checks it.
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`placement-share:${job.tenantId}:${job.tier}`]);
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const decision = placeJob(request, await loadRegistry(manager), policy);
    if (decision.type === 'JobQueued') {
      if (input.announceQueued) {
        await updateJob(manager, job.jobId, { state: 'QUEUED' });
        await input.events.jobs(manager, jobEnvelope({ jobQueued: decision.data }, at, input.cause));
      }
      return { type: 'queued', reasons: decision.data.reasons, lostRaces: round - 1 };
    }
    const { providerId, operatorId } = decision.data;
    const { gpuClass, gpuCount } = job.spec;
    if (!(await reserveGpus(manager, providerId, gpuClass, gpuCount))) continue;
    await updateJob(manager, job.jobId, {
      state: 'PLACED',
      providerId,
      operatorId,
      reservedGpuClass: gpuClass,
      reservedGpus: gpuCount,
    });
    await insertAssignment(manager, providerId, { jobId: job.jobId, attempt: job.attempt, tier: job.tier, spec: job.spec });
    await input.events.jobs(manager, jobEnvelope({ jobPlaced: decision.data }, at, input.cause));
    return { type: 'placed', providerId, lostRaces: round - 1 };
  }
  throw new Error(`job ${job.jobId}: lost the capacity race ${MAX_ROUNDS} times in a row; retrying later`);
}
