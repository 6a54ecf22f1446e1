// CancelJob's decision: a request event for a live job, nothing for a repeat, a refusal for a
// job that already ended.
import { api, type events } from '@switchyard/contracts/messages';
import { isTerminal } from './job-lifecycle.js';

export type CancelJobDecision =
  | { readonly kind: 'requested'; readonly event: events.JobCancelRequested }
  | { readonly kind: 'already-requested' }
  | { readonly kind: 'terminal'; readonly state: api.JobState };

export function decideCancelJob(job: api.Job, reason: string, requestedAt: api.Timestamp): CancelJobDecision {
  if (isTerminal(job.state)) return { kind: 'terminal', state: job.state };
  if (job.cancelRequested) return { kind: 'already-requested' };
  return { kind: 'requested', event: { jobId: job.id, reason, requestedAt } };
}
