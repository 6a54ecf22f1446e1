// How long placement waits on a provider, and for one: start timeouts, reconciliation of the runs
// a provider says it holds, and jobs that would otherwise wait for ever (stranded). Pure: time is
// the tick's or the heartbeat's, passed in.
import { api, events } from '@switchyard/contracts/messages';
import type { CandidateIndex } from '../placement/candidate-index.js';
import { FILTER_STEPS } from '../placement/filter-steps.js';
import { tryPlacement } from '../placement/place-job.js';
import type { PlacementRequest } from '../placement/placement-request.js';
import type { PlacementPolicy } from '../placement-policy.js';
import type { QueuedJob } from '../queue/job-queue.js';
import { holds, type ActiveJob, type ProviderRegistry } from '../registry/provider-registry.js';

/** A run a provider's heartbeat says it holds (switchyard.v1.HeldRun). */
export interface HeldRun {
  readonly jobId: string;
  readonly attempt: number;
}
import { toTimestamp } from '../time.js';

/** Placed attempts their provider has not started within the tier's start timeout, in job id order. */
export function overdueStarts(jobs: Iterable<ActiveJob>, nowMs: number, policy: PlacementPolicy): ActiveJob[] {
  const overdue: ActiveJob[] = [];
  for (const job of jobs) {
    if (job.state !== 'PLACED' || job.tier === undefined || job.placedAtMs === 0) continue;
    const timeout = policy.patience.startTimeoutMs[job.tier];
    if (timeout > 0 && nowMs - job.placedAtMs >= timeout) overdue.push(job);
  }
  return overdue.sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}

export interface Reconciliation {
  /** Attempts placement gave the provider that its heartbeat does not list, past the grace. */
  readonly notHeld: ActiveJob[];
  /** Runs the provider lists that are not current on it: it is told to stop them. */
  readonly notCurrent: HeldRun[];
}

/**
 * A heartbeat's list of held runs against what placement assigned: an attempt placed more than
 * `notHeldGraceIntervals` heartbeat intervals ago (the assignment had time to arrive) that the
 * provider does not hold was dropped without a report; a run the provider holds that is not the
 * current attempt on it (finished, requeued, never its own) must stop.
 */
export function reconcileRuns(
  registry: ProviderRegistry,
  providerId: string,
  runs: readonly HeldRun[],
  nowMs: number,
  policy: PlacementPolicy,
): Reconciliation {
  const grace = policy.patience.notHeldGraceIntervals * policy.liveness.heartbeatIntervalMs;
  const listed = new Set(runs.map((r) => `${r.jobId}#${r.attempt}`));
  const notHeld: ActiveJob[] = [];
  if (policy.patience.notHeldGraceIntervals > 0) {
    for (const jobId of [...(registry.heldBy.get(providerId) ?? [])].sort()) {
      const job = registry.jobs.get(jobId)!;
      if (!listed.has(`${job.jobId}#${job.attempt}`) && job.placedAtMs > 0 && nowMs - job.placedAtMs > grace) notHeld.push(job);
    }
  }
  const notCurrent = runs.filter((run) => {
    const job = registry.jobs.get(run.jobId);
    return job === undefined || !holds(job, providerId) || job.attempt !== run.attempt;
  });
  return { notHeld, notCurrent };
}

export type StrandedDecision =
  | { readonly type: 'JobExclusionRelaxed'; readonly data: events.JobExclusionRelaxed }
  | { readonly type: 'JobFailed'; readonly data: events.JobFailed };

/** The filter steps that do not change with time: what no waiting can fix. */
const LASTING_STEPS = FILTER_STEPS.filter(
  (s) =>
    s.reason !== events.RejectionReason.REJECTION_REASON_UNHEALTHY &&
    s.reason !== events.RejectionReason.REJECTION_REASON_EXCLUDED &&
    s.reason !== events.RejectionReason.REJECTION_REASON_INSUFFICIENT_CAPACITY,
);

/**
 * A queued job that has waited too long: if only the providers it was excluded from (after its
 * earlier attempts failed there) could take it now, they are given back to it; if no registered
 * provider could ever run it, whatever its health or load, it fails saying so. Otherwise it keeps
 * waiting (capacity may come; its deadline bounds the wait).
 */
export function decideStranded(
  job: QueuedJob,
  registry: ProviderRegistry,
  index: CandidateIndex,
  policy: PlacementPolicy,
  nowMs: number,
): StrandedDecision | undefined {
  const { relaxExclusionAfterMs, failUnplaceableAfterMs } = policy.patience;
  const waited = nowMs - job.waitingSinceMs;
  if (job.state !== 'QUEUED' || job.waitingSinceMs === 0) return undefined;
  const at = toTimestamp(nowMs);
  const request: PlacementRequest = {
    jobId: job.jobId,
    tenantId: job.tenantId,
    tier: job.tier,
    spec: job.spec,
    attempt: job.attempt,
    excludedProviderIds: [],
    at,
  };
  if (
    relaxExclusionAfterMs > 0 &&
    waited >= relaxExclusionAfterMs &&
    job.excludedProviderIds.length > 0 &&
    tryPlacement(request, registry, index, policy) !== undefined
  ) {
    return {
      type: 'JobExclusionRelaxed',
      data: {
        jobId: job.jobId,
        attempt: job.attempt,
        relaxedProviderIds: [...job.excludedProviderIds],
        reason: `waited ${Math.round(waited / 1000)} s and only providers it failed on before could take it`,
        relaxedAt: at,
      },
    };
  }
  if (failUnplaceableAfterMs > 0 && waited >= failUnplaceableAfterMs) {
    const possible = [...registry.providers.values()].some((p) => !LASTING_STEPS.some((step) => step.rejects(p, request, policy)));
    if (!possible) {
      return {
        type: 'JobFailed',
        data: {
          jobId: job.jobId,
          attempt: job.attempt,
          providerId: '',
          category: api.FailureCategory.FAILURE_CATEGORY_UNSPECIFIED,
          retryable: false,
          source: events.FailureSource.FAILURE_SOURCE_SYSTEM,
          message: `waited ${Math.round(waited / 1000)} s: no registered provider can run it (GPU class, memory, region, residency, price, latency or the tenant's operator rules)`,
          failedAt: at,
          fault: events.Fault.FAULT_WORKLOAD,
        },
      };
    }
  }
  return undefined;
}
