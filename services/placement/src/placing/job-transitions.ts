// The job-row changes every path shares (consumer, reports, liveness, queue): each releases what
// the job held exactly once, because the caller holds the job's row lock and reserved_gpus drops
// to 0 in the same statement set as the capacity release.
import type { api, events } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';
import { insertStop } from '../persistence/assignment-rows.js';
import { updateJob, type JobRow, type TerminalJobState } from '../persistence/job-rows.js';
import { releaseGpus } from '../persistence/provider-rows.js';

async function releaseHold(manager: EntityManager, job: JobRow): Promise<void> {
  if (job.reservedGpus > 0 && job.providerId !== undefined && job.reservedGpuClass !== undefined) {
    await releaseGpus(manager, job.providerId, job.reservedGpuClass, job.reservedGpus);
  }
}

/** Ends the job; a provider still holding it is told to stop with `stop`. */
export async function finishJob(manager: EntityManager, job: JobRow, state: TerminalJobState, stop?: api.StopReason): Promise<void> {
  await releaseHold(manager, job);
  if (stop !== undefined && job.providerId !== undefined && (job.state === 'PLACED' || job.state === 'RUNNING')) {
    await insertStop(manager, job.providerId, { jobId: job.jobId, attempt: job.attempt, reason: stop });
  }
  await updateJob(manager, job.jobId, { state, reservedGpus: 0, reservedGpuClass: null });
}

/** Takes the job off its provider for another attempt; the provider is told the run was reassigned. */
export async function requeueJob(manager: EntityManager, job: JobRow, requeued: events.JobRequeued, stop?: api.StopReason): Promise<void> {
  await releaseHold(manager, job);
  if (stop !== undefined && job.providerId !== undefined) {
    await insertStop(manager, job.providerId, { jobId: job.jobId, attempt: job.attempt, reason: stop });
  }
  await updateJob(manager, job.jobId, {
    state: 'REQUEUED',
    attempt: requeued.attempt,
    providerId: null,
    operatorId: null,
    reservedGpus: 0,
    reservedGpuClass: null,
    excludedProviderIds: requeued.excludedProviderIds,
  });
}
