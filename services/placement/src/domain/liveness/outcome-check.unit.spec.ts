import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts/messages';
import { defaultPlacementPolicy as policy } from '../placement-policy.js';
import { outcomeDifferences, recordsFault } from './outcome-check.js';

const requeued = (overrides: Partial<events.JobRequeued> = {}): events.JobRequeued => ({
  jobId: 'j',
  attempt: 2,
  reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_FAILED,
  previousProviderId: 'p1',
  excludedProviderIds: ['p1'],
  requeuedAt: undefined,
  fault: events.Fault.FAULT_PROVIDER,
  category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
  message: '',
  ...overrides,
});
const failed = (overrides: Partial<events.JobFailed> = {}): events.JobFailed =>
  events.JobFailed.fromPartial({
    jobId: 'j',
    attempt: 1,
    providerId: 'p1',
    category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD,
    source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
    fault: events.Fault.FAULT_WORKLOAD,
    ...overrides,
  });

describe('checking a recorded requeue or failure against the fault table', () => {
  it('finds what the deciders record consistent', () => {
    expect(outcomeDifferences({ type: 'JobRequeued', data: requeued() }, policy)).toEqual([]);
    expect(
      outcomeDifferences(
        {
          type: 'JobRequeued',
          data: requeued({ reason: events.RequeueReason.REQUEUE_REASON_START_TIMEOUT, fault: events.Fault.FAULT_TIMEOUT }),
        },
        policy,
      ),
    ).toEqual([]);
    expect(outcomeDifferences({ type: 'JobFailed', data: failed() }, policy)).toEqual([]);
    expect(
      outcomeDifferences(
        {
          type: 'JobFailed',
          data: failed({ attempt: 3, category: api.FailureCategory.FAILURE_CATEGORY_NETWORK, fault: events.Fault.FAULT_PROVIDER }),
        },
        policy,
      ),
    ).toEqual([]);
  });

  it('names each inconsistency: the wrong fault, a fault not retried yet requeued, a missing exclusion, a failure with attempts left', () => {
    expect(outcomeDifferences({ type: 'JobRequeued', data: requeued({ fault: events.Fault.FAULT_PREEMPTION }) }, policy)).toEqual([
      'fault FAULT_PREEMPTION, but REQUEUE_REASON_PROVIDER_FAILED with category FAILURE_CATEGORY_HARDWARE is FAULT_PROVIDER',
    ]);
    expect(
      outcomeDifferences(
        {
          type: 'JobRequeued',
          data: requeued({ category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD, fault: events.Fault.FAULT_WORKLOAD }),
        },
        policy,
      ),
    ).toEqual(['requeued, but a FAULT_WORKLOAD is not retried']);
    expect(outcomeDifferences({ type: 'JobRequeued', data: requeued({ excludedProviderIds: [] }) }, policy)).toEqual([
      'a FAULT_PROVIDER excludes the provider, but p1 is not among the excluded',
    ]);
    expect(
      outcomeDifferences(
        {
          type: 'JobFailed',
          data: failed({ category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE, fault: events.Fault.FAULT_PROVIDER }),
        },
        policy,
      ),
    ).toEqual(['failed on attempt 1 of 3, but a FAULT_PROVIDER is retried while attempts are left']);
  });

  it('leaves events written before faults were to the other checks', () => {
    expect(recordsFault({ type: 'JobFailed', data: failed({ fault: events.Fault.FAULT_UNSPECIFIED }) })).toBe(false);
    expect(recordsFault({ type: 'JobRequeued', data: requeued() })).toBe(true);
  });
});
