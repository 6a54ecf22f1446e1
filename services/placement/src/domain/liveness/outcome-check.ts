// `replay verify` of a recorded requeue or failure: is what was recorded what the fault table
// (docs/failure-categories.md) says follows from it? Pure: the recorded event and the policy of
// the attempt's placement in, the differences out (none: consistent).
import { api, consequencesOf, events, faultOf } from '@switchyard/contracts/messages';
import type { PlacementPolicy } from '../placement-policy.js';

export type RecordedOutcome =
  { readonly type: 'JobRequeued'; readonly data: events.JobRequeued } | { readonly type: 'JobFailed'; readonly data: events.JobFailed };

const R = events.RequeueReason;

/** The fault a requeue's reason and category imply. */
function requeueFault(requeued: events.JobRequeued): events.Fault | undefined {
  switch (requeued.reason) {
    case R.REQUEUE_REASON_PROVIDER_FAILED:
      return faultOf(requeued.category, events.FailureSource.FAILURE_SOURCE_PROVIDER);
    case R.REQUEUE_REASON_PROVIDER_LOST:
    case R.REQUEUE_REASON_NOT_HELD:
      return events.Fault.FAULT_PROVIDER;
    case R.REQUEUE_REASON_START_TIMEOUT:
      return events.Fault.FAULT_TIMEOUT;
    default:
      return undefined;
  }
}

/** Whether the outcome records a fault at all (events written before faults were do not). */
export function recordsFault(outcome: RecordedOutcome): boolean {
  return outcome.data.fault !== events.Fault.FAULT_UNSPECIFIED && outcome.data.fault !== events.Fault.UNRECOGNIZED;
}

export function outcomeDifferences(outcome: RecordedOutcome, policy: PlacementPolicy | undefined): string[] {
  const differences: string[] = [];
  const fault = outcome.data.fault;
  const consequences = consequencesOf(fault);
  if (outcome.type === 'JobRequeued') {
    const requeued = outcome.data;
    const expected = requeueFault(requeued);
    if (expected !== undefined && expected !== fault)
      differences.push(`fault ${fault}, but ${requeued.reason} with category ${requeued.category} is ${expected}`);
    if (!consequences.retry) differences.push(`requeued, but a ${fault} is not retried`);
    if (consequences.exclude && !requeued.excludedProviderIds.includes(requeued.previousProviderId)) {
      differences.push(`a ${fault} excludes the provider, but ${requeued.previousProviderId} is not among the excluded`);
    }
    if (policy !== undefined && requeued.attempt > policy.maxAttempts)
      differences.push(`attempt ${requeued.attempt} exceeds the policy's ${policy.maxAttempts}`);
    return differences;
  }
  const failed = outcome.data;
  if (failed.source === events.FailureSource.FAILURE_SOURCE_PROVIDER) {
    const expected = faultOf(failed.category, failed.source);
    if (expected !== fault) differences.push(`fault ${fault}, but ${failed.category} reported by the provider is ${expected}`);
  }
  // A retried fault fails the job only on its last attempt.
  if (consequences.retry && failed.providerId !== '' && policy !== undefined && failed.attempt < policy.maxAttempts) {
    differences.push(`failed on attempt ${failed.attempt} of ${policy.maxAttempts}, but a ${fault} is retried while attempts are left`);
  }
  if (failed.category === api.FailureCategory.UNRECOGNIZED) differences.push('unrecognised failure category');
  return differences;
}
