import { api, consequencesOf, events, faultOf } from '@switchyard/contracts/messages';
import type { PlacementPolicy } from '../placement-policy.js';
import { holds, type ActiveJob, type ProviderRegistry } from '../registry/provider-registry.js';

export type RequeueOutcome = { type: 'JobRequeued'; data: events.JobRequeued } | { type: 'JobFailed'; data: events.JobFailed };

const R = events.RequeueReason;
const S = events.FailureSource;

/**
 * Each job the lost provider held is requeued with the provider excluded and the next attempt
 * number, or failed by the system when that was its last attempt. Jobs that already moved on
 * (completed, requeued elsewhere) since the loss was detected are left alone.
 */
export function requeueAfterLoss(lost: events.ProviderLost, registry: ProviderRegistry, policy: PlacementPolicy): RequeueOutcome[] {
  return lost.jobIds.flatMap((jobId) => {
    const job = registry.jobs.get(jobId);
    // A gang split over providers is requeued whole when any of its members is lost.
    if (job === undefined || !holds(job, lost.providerId)) return [];
    return [
      settle(job, lost.providerId, policy, {
        reason: R.REQUEUE_REASON_PROVIDER_LOST,
        at: lost.lostAt,
        fault: events.Fault.FAULT_PROVIDER,
        failure: {
          category: api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
          source: S.FAILURE_SOURCE_SYSTEM,
          message: `provider ${lost.providerId} was lost`,
        },
      }),
    ];
  });
}

/** What a provider reported through ReportFailed for an attempt. */
export interface ProviderFailureReport {
  jobId: string;
  providerId: string;
  attempt: number;
  category: api.FailureCategory;
  retryable: boolean;
  message: string;
  at: api.Timestamp;
}

/**
 * A provider failed an attempt. Its category decides whose fault it is (faultOf), and the fault
 * what follows (consequencesOf): the job's own fault fails it; any other is retried while
 * attempts are left, the provider excluded when the fault is its own or a timeout. The
 * provider's `retryable` flag is recorded, not obeyed: a provider that cannot run the job does
 * not decide that nobody can. A report for an attempt the provider no longer holds yields
 * nothing (duplicate or stale).
 */
export function requeueAfterFailure(report: ProviderFailureReport, registry: ProviderRegistry, policy: PlacementPolicy): RequeueOutcome[] {
  const job = registry.jobs.get(report.jobId);
  if (job === undefined || job.providerId !== report.providerId || job.attempt !== report.attempt) return [];
  const fault = faultOf(report.category, S.FAILURE_SOURCE_PROVIDER);
  return [
    settle(job, report.providerId, policy, {
      reason: R.REQUEUE_REASON_PROVIDER_FAILED,
      at: report.at,
      fault,
      failure: { category: report.category, source: S.FAILURE_SOURCE_PROVIDER, message: report.message },
      providerRetryable: report.retryable,
    }),
  ];
}

/**
 * Placement's own findings about an attempt: it never started within the tier's start timeout,
 * or the provider's heartbeat showed it does not hold it (reconciliation).
 */
export function requeueUnheld(
  job: ActiveJob,
  kind: 'start-timeout' | 'not-held',
  at: api.Timestamp,
  policy: PlacementPolicy,
): RequeueOutcome | undefined {
  if (job.providerId === undefined || (job.state !== 'PLACED' && job.state !== 'RUNNING')) return undefined;
  const timeout = kind === 'start-timeout';
  return settle(job, job.providerId, policy, {
    reason: timeout ? R.REQUEUE_REASON_START_TIMEOUT : R.REQUEUE_REASON_NOT_HELD,
    at,
    fault: timeout ? events.Fault.FAULT_TIMEOUT : events.Fault.FAULT_PROVIDER,
    failure: {
      category: timeout ? api.FailureCategory.FAILURE_CATEGORY_TIMEOUT : api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
      source: S.FAILURE_SOURCE_SYSTEM,
      message: timeout
        ? `provider ${job.providerId} did not start attempt ${job.attempt} within the ${job.tier ?? ''} start timeout`
        : `provider ${job.providerId} reported it does not hold attempt ${job.attempt}`,
    },
  });
}

interface Failure {
  category: api.FailureCategory;
  source: events.FailureSource;
  message: string;
}

function settle(
  job: ActiveJob,
  providerId: string,
  policy: PlacementPolicy,
  cause: {
    reason: events.RequeueReason;
    at: api.Timestamp | undefined;
    fault: events.Fault;
    failure: Failure;
    providerRetryable?: boolean;
  },
): RequeueOutcome {
  const consequences = consequencesOf(cause.fault);
  const retry = consequences.retry;
  if (!retry || job.attempt >= policy.maxAttempts) {
    const message = retry
      ? `${cause.failure.message}; attempt ${job.attempt} of ${policy.maxAttempts}, attempts exhausted`
      : cause.failure.message;
    return failed(job, providerId, cause.at, cause.providerRetryable ?? false, { ...cause.failure, message }, cause.fault);
  }
  const excluded =
    !consequences.exclude || job.excludedProviderIds.includes(providerId)
      ? [...job.excludedProviderIds]
      : [...job.excludedProviderIds, providerId];
  return {
    type: 'JobRequeued',
    data: {
      jobId: job.jobId,
      attempt: job.attempt + 1,
      reason: cause.reason,
      previousProviderId: providerId,
      excludedProviderIds: excluded,
      requeuedAt: cause.at,
      fault: cause.fault,
      category: cause.failure.category,
      message: cause.failure.message,
    },
  };
}

function failed(
  job: ActiveJob,
  providerId: string,
  at: api.Timestamp | undefined,
  retryable: boolean,
  failure: Failure,
  fault: events.Fault,
): RequeueOutcome {
  return {
    type: 'JobFailed',
    data: { jobId: job.jobId, attempt: job.attempt, providerId, retryable, failedAt: at, ...failure, fault },
  };
}
