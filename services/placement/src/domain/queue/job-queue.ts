import { PLACED_TIERS, type PlacedTier } from '../placement-policy.js';
import type { ActiveJob, ProviderRegistry } from '../registry/provider-registry.js';

/** A job waiting for a provider: classified, queued or requeued, with a placeable tier (see isWaiting). */
export type QueuedJob = ActiveJob & { tier: PlacedTier; state: 'CLASSIFIED' | 'QUEUED' | 'REQUEUED' };

/** Waiting for a provider: classified or requeued, and no job it depends on still to complete. */
export function isWaiting(job: ActiveJob): job is QueuedJob {
  return (
    job.tier !== undefined &&
    (job.state === 'CLASSIFIED' || job.state === 'QUEUED' || job.state === 'REQUEUED') &&
    job.waitingFor.length === 0
  );
}

/** The registry's waiting jobs, in placement order. */
export function waitingJobs(registry: ProviderRegistry): QueuedJob[] {
  return orderQueue([...registry.jobs.values()].filter(isWaiting));
}

/**
 * Placement order: tier priority (REALTIME, STANDARD, TRAINING, BATCH: TRAINING ahead of BATCH
 * because its multi-GPU asks get harder to fit the longer small batch jobs fill the gaps), then
 * age by submission time (a requeued job keeps its place), then job id so the order is total.
 */
export function orderQueue<J extends QueuedJob>(queue: readonly J[]): J[] {
  return [...queue].sort(
    (a, b) =>
      PLACED_TIERS.indexOf(a.tier) - PLACED_TIERS.indexOf(b.tier) ||
      a.submittedAtMs - b.submittedAtMs ||
      (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0),
  );
}
