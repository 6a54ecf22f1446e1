import type { api, events } from '@switchyard/contracts';
import { placeJob } from '../placement/place-job.js';
import type { PlacementPolicy } from '../placement-policy.js';
import { evolveProviders } from '../registry/evolve-providers.js';
import type { ProviderRegistry } from '../registry/provider-registry.js';
import { orderQueue, type QueuedJob } from './job-queue.js';

/**
 * When capacity frees or arrives: tries the waiting jobs in queue order and places each that now
 * fits. Each placement is folded into a working copy of the registry before the next job is
 * tried, so one pass never hands the same GPUs out twice.
 *
 * A job that still does not fit is skipped, not re-queued (it already has its JobQueued), and a
 * later, smaller job may take capacity ahead of it. Caveat: with steady small work a large
 * TRAINING job can wait long; its deadline (expireJobs) bounds that.
 */
export function nextQueuedJobs(
  queue: readonly QueuedJob[],
  registry: ProviderRegistry,
  policy: PlacementPolicy,
  at: api.Timestamp,
): events.JobPlaced[] {
  const placed: events.JobPlaced[] = [];
  let working = registry;
  for (const job of orderQueue(queue)) {
    const decision = placeJob(
      {
        jobId: job.jobId,
        tenantId: job.tenantId,
        tier: job.tier,
        spec: job.spec,
        attempt: job.attempt,
        excludedProviderIds: job.excludedProviderIds,
        at,
      },
      working,
      policy,
    );
    if (decision.type !== 'JobPlaced') continue;
    placed.push(decision.data);
    const known = working.jobs[job.jobId] === undefined ? { ...working, jobs: { ...working.jobs, [job.jobId]: job } } : working;
    working = evolveProviders(known, { type: 'JobPlaced', data: decision.data });
  }
  return placed;
}
