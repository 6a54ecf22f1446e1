import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import { keyFields } from '../timeline/key-fields.js';
import { faultLabel, faultSummary } from './fault-summary.js';

describe('faults as explain and timeline show them', () => {
  it('says whose fault it was and what followed, from the one table', () => {
    expect(faultSummary(events.Fault.FAULT_PROVIDER)).toBe(
      'PROVIDER: retried, provider excluded, counts against its reputation, tenant not charged, provider penalised',
    );
    expect(faultSummary('FAULT_WORKLOAD')).toBe('WORKLOAD: not retried, reputation unchanged, tenant charged, no penalty');
    expect(faultSummary(events.Fault.FAULT_PLATFORM)).toBe('PLATFORM: retried, reputation unchanged, tenant not charged, no penalty');
    expect(faultSummary(events.Fault.FAULT_UNSPECIFIED)).toBe('');
    expect(faultLabel(undefined)).toBe('');
  });

  it('puts the fault in the timeline line of a requeue, a failure, a failed report and a waived charge', () => {
    const requeued = events.JobRequeued.toJSON({
      jobId: 'j',
      attempt: 2,
      reason: events.RequeueReason.REQUEUE_REASON_NOT_HELD,
      previousProviderId: 'p1',
      excludedProviderIds: ['p1'],
      requeuedAt: undefined,
      fault: events.Fault.FAULT_PROVIDER,
      category: api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
      message: 'provider p1 reported it does not hold attempt 1',
    }) as never;
    expect(keyFields('JobRequeued', requeued)).toBe(
      'attempt=2 reason=NOT_HELD fault=PROVIDER previous=p1 message=provider p1 reported it does not hold attempt 1',
    );
    const failed = events.JobFailed.fromPartial({
      providerId: 'p2',
      category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD,
      source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
      message: 'exit 1',
      fault: events.Fault.FAULT_WORKLOAD,
    });
    expect(keyFields('JobFailed', events.JobFailed.toJSON(failed) as never)).toBe(
      'provider=p2 category=WORKLOAD source=PROVIDER fault=WORKLOAD message=exit 1',
    );
    const waived = events.UsageMetered.fromPartial({
      usageId: 'usage:r',
      tenantChargeBaseUnits: '0',
      waived: true,
      fault: events.Fault.FAULT_PREEMPTION,
    });
    expect(keyFields('UsageMetered', events.UsageMetered.toJSON(waived) as never)).toContain('waived=PREEMPTION');
  });
});
