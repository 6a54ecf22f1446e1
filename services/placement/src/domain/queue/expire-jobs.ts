import { api, type events } from '@switchyard/contracts/messages';
import type { ActiveJob, ActiveJobState } from '../registry/provider-registry.js';
import { toEpochMillis } from '../time.js';

const JOB_STATE_OF: Readonly<Record<ActiveJobState, api.JobState>> = {
  SUBMITTED: api.JobState.JOB_STATE_SUBMITTED,
  CLASSIFIED: api.JobState.JOB_STATE_CLASSIFIED,
  QUEUED: api.JobState.JOB_STATE_QUEUED,
  PLACED: api.JobState.JOB_STATE_PLACED,
  RUNNING: api.JobState.JOB_STATE_RUNNING,
  REQUEUED: api.JobState.JOB_STATE_REQUEUED,
};

/**
 * JobExpired for every given job whose deadline is at or before `now` (the triggering event's
 * time), in job id order. Any non-terminal job can expire; the shell tells a placed or running
 * job's provider to stop.
 */
export function expireJobs(jobs: readonly ActiveJob[], now: api.Timestamp): events.JobExpired[] {
  const nowMs = toEpochMillis(now);
  return jobs
    .filter((job) => job.spec.deadline !== undefined && toEpochMillis(job.spec.deadline) <= nowMs)
    .sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0))
    .map((job) => ({
      jobId: job.jobId,
      attempt: job.attempt,
      providerId: job.providerId ?? '',
      deadline: job.spec.deadline,
      stateAtExpiry: JOB_STATE_OF[job.state],
      expiredAt: { ...now },
    }));
}
