// Pipeline steps: a job that names other jobs in `spec.depends_on` waits (queued, with the reason)
// until all of them complete, and fails when one of them fails, is cancelled or expires. The
// fold keeps each job's `waitingFor` and the providers that completed its dependencies
// (evolve-job-events.ts); these are the two decisions it leads to.
import { api, events } from '@switchyard/contracts/messages';
import type { PlacementDecision } from '../placement/place-job.js';
import type { ActiveJob, JobOutcome } from '../registry/provider-registry.js';

/** JobQueued for a job that waits for the jobs it depends on to complete. */
export function waitingForDependencies(
  job: Pick<ActiveJob, 'jobId' | 'attempt' | 'waitingFor'>,
  at: api.Timestamp,
  policyVersion: string,
): PlacementDecision {
  const count = job.waitingFor.length;
  return {
    type: 'JobQueued',
    data: {
      jobId: job.jobId,
      attempt: job.attempt,
      reasons: [`waits for ${count} job${count === 1 ? '' : 's'} it depends on to complete: ${job.waitingFor.join(', ')}`],
      rejections: [],
      policyVersion,
      queuedAt: { ...at },
    },
  };
}

/** JobFailed for a job one of whose dependencies ended without completing: it never runs. */
export function dependencyFailed(
  job: Pick<ActiveJob, 'jobId' | 'attempt'>,
  dependencyId: string,
  outcome: JobOutcome['state'],
  at: api.Timestamp,
): { type: 'JobFailed'; data: events.JobFailed } {
  return {
    type: 'JobFailed',
    data: {
      jobId: job.jobId,
      attempt: job.attempt,
      providerId: '',
      category: api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY,
      retryable: false,
      source: events.FailureSource.FAILURE_SOURCE_SYSTEM,
      message: `job ${dependencyId}, which it depends on, ended ${outcome} instead of completing`,
      failedAt: { ...at },
      fault: events.Fault.FAULT_WORKLOAD,
    },
  };
}
