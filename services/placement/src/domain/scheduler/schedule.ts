// A scheduling pass: the waiting jobs that may now fit, in placement order, decided one after the
// other against the live state, each decision applied before the next is made (so one pass
// never hands the same GPUs out twice and a lower-priority job never jumps a higher one that
// fits). Pure over the state it is given: time comes from the caller's inputs.
import { gpusPerProvider } from '../placement/gang.js';
import type { api } from '@switchyard/contracts/messages';
import { decidePlacement, newPassMemo, tryPlacement, type PlacementDecision } from '../placement/place-job.js';
import type { PlacementRequest } from '../placement/placement-request.js';
import { orderQueue, type QueuedJob } from '../queue/job-queue.js';
import { waitingForDependencies } from './dependencies.js';
import type { PlacementState, Touched } from './placement-state.js';

export interface SchedulePass {
  /** Jobs that became waiting since the last pass (classified or requeued), with the time of that event. */
  readonly newlyWaiting: ReadonlyMap<string, api.Timestamp>;
  /** Classes in which capacity grew: their queued jobs are tried again. */
  readonly grownClasses: ReadonlySet<string>;
  /** Try every queued job (the periodic retry: capacity changes the index cannot see). */
  readonly retryAll: boolean;
  /** Time of the pass, for retried jobs' decisions. */
  readonly at: api.Timestamp;
}

/**
 * Places what fits. A newly waiting job that does not fit is announced (JobQueued with its
 * reasons); a job already queued that still does not fit is skipped without a new event (a later,
 * smaller job may then take capacity ahead of it: the caveat of expireJobs bounds the wait).
 */
export function schedule(state: PlacementState, pass: SchedulePass, touched: Touched): PlacementDecision[] {
  const decisions: PlacementDecision[] = [];
  const { registry, index, policy, waiting } = state;
  const memo = newPassMemo();
  const decide = (job: QueuedJob, at: api.Timestamp, announce: boolean): void => {
    const request: PlacementRequest = {
      jobId: job.jobId,
      tenantId: job.tenantId,
      tier: job.tier,
      spec: job.spec,
      attempt: job.attempt,
      excludedProviderIds: job.excludedProviderIds,
      at,
      producers: job.producers,
    };
    const decision = announce
      ? decidePlacement(request, registry, index, policy, memo)
      : tryPlacement(request, registry, index, policy, memo);
    if (decision === undefined) return;
    state.apply(decision, touched);
    decisions.push(decision);
  };
  const fresh = new Map<string, QueuedJob>();
  for (const jobId of pass.newlyWaiting.keys()) {
    const job = registry.jobs.get(jobId);
    if (job === undefined || !isQueued(job) || job.state === 'QUEUED') continue;
    // A pipeline step whose inputs are not all there yet waits for them, not for a provider.
    if (job.waitingFor.length > 0) {
      const decision = waitingForDependencies(job, pass.newlyWaiting.get(jobId) ?? pass.at, policy.version);
      state.apply(decision, touched);
      decisions.push(decision);
      continue;
    }
    fresh.set(jobId, job);
  }
  const freshIn = (gpuClass: string): number => [...fresh.values()].filter((j) => j.spec.gpuClass === gpuClass).length;
  // Classes where queued jobs may now fit: walk their whole queue in order, new jobs included.
  const classes = pass.retryAll ? [...waiting.classes()] : [...pass.grownClasses];
  for (const gpuClass of classes) {
    let freshLeft = freshIn(gpuClass);
    waiting.walk(gpuClass, (job) => {
      if (fresh.delete(job.jobId)) {
        freshLeft--;
        decide(job, pass.newlyWaiting.get(job.jobId) ?? pass.at, true);
        return false;
      }
      const largest = index.largestFreeBlock(gpuClass);
      if (largest === 0 && freshLeft === 0) return true;
      if (job.state === 'QUEUED' && largest >= gpusPerProvider(job.spec)) decide(job, pass.at, false);
      return false;
    });
  }
  // New jobs of other classes: nothing queued there can use capacity that did not grow.
  for (const job of orderQueue([...fresh.values()])) {
    const current = registry.jobs.get(job.jobId);
    if (current === undefined || !isQueued(current) || current.state === 'QUEUED') continue;
    decide(current, pass.newlyWaiting.get(job.jobId) ?? pass.at, true);
  }
  return decisions;
}

function isQueued(job: { tier: unknown; state: string }): job is QueuedJob {
  return job.tier !== undefined && (job.state === 'CLASSIFIED' || job.state === 'QUEUED' || job.state === 'REQUEUED');
}
