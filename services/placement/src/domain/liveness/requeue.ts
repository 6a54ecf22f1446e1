import { api, events } from '@switchyard/contracts';
import type { PlacementPolicy } from '../placement-policy.js';
import type { ActiveJob, ProviderRegistry } from '../registry/provider-registry.js';

export type RequeueOutcome = { type: 'JobRequeued'; data: events.JobRequeued } | { type: 'JobFailed'; data: events.JobFailed };

/**
 * Each job the lost provider held is requeued with the provider excluded and the next attempt
 * number, or failed by the system when that was its last attempt. Jobs that already moved on
 * (completed, requeued elsewhere) since the loss was detected are left alone.
 */
export function requeueAfterLoss(lost: events.ProviderLost, registry: ProviderRegistry, policy: PlacementPolicy): RequeueOutcome[] {
  return lost.jobIds.flatMap((jobId) => {
    const job = registry.jobs.get(jobId);
    if (job === undefined || job.providerId !== lost.providerId || (job.state !== 'PLACED' && job.state !== 'RUNNING')) return [];
    return [
      nextAttempt(job, lost.providerId, policy, {
        reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST,
        at: lost.lostAt,
        failure: {
          category: api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
          source: events.FailureSource.FAILURE_SOURCE_SYSTEM,
          message: `provider ${lost.providerId} lost on attempt ${job.attempt} of ${policy.maxAttempts}; attempts exhausted`,
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
 * A provider failed an attempt: requeued elsewhere if the failure is retryable, not the
 * workload's fault and attempts are left; otherwise the job fails with the provider as source.
 * A report for an attempt the provider no longer holds yields nothing (duplicate or stale).
 */
export function requeueAfterFailure(report: ProviderFailureReport, registry: ProviderRegistry, policy: PlacementPolicy): RequeueOutcome[] {
  const job = registry.jobs.get(report.jobId);
  if (job === undefined || job.providerId !== report.providerId || job.attempt !== report.attempt) return [];
  const retryable = report.retryable && report.category !== api.FailureCategory.FAILURE_CATEGORY_WORKLOAD;
  const failure = { category: report.category, source: events.FailureSource.FAILURE_SOURCE_PROVIDER, message: report.message };
  if (!retryable) return [failed(job, report.providerId, report.at, report.retryable, failure)];
  return [nextAttempt(job, report.providerId, policy, { reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_FAILED, at: report.at, failure })];
}

interface Failure {
  category: api.FailureCategory;
  source: events.FailureSource;
  message: string;
}

function nextAttempt(
  job: ActiveJob,
  providerId: string,
  policy: PlacementPolicy,
  cause: { reason: events.RequeueReason; at: api.Timestamp | undefined; failure: Failure },
): RequeueOutcome {
  if (job.attempt >= policy.maxAttempts) return failed(job, providerId, cause.at, false, cause.failure);
  const excluded = job.excludedProviderIds.includes(providerId) ? [...job.excludedProviderIds] : [...job.excludedProviderIds, providerId];
  return {
    type: 'JobRequeued',
    data: {
      jobId: job.jobId,
      attempt: job.attempt + 1,
      reason: cause.reason,
      previousProviderId: providerId,
      excludedProviderIds: excluded,
      requeuedAt: cause.at,
    },
  };
}

function failed(job: ActiveJob, providerId: string, at: api.Timestamp | undefined, retryable: boolean, failure: Failure): RequeueOutcome {
  return {
    type: 'JobFailed',
    data: { jobId: job.jobId, attempt: job.attempt, providerId, retryable, failedAt: at, ...failure },
  };
}
