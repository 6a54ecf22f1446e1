import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts/messages';
import { at, realtimeJob } from './ledger.fixtures.js';
import { assessPenalty, penaltyAmount, type JobOutcome, type PenaltyPolicy } from './penalties.js';
import { postingTotal } from './posting.js';

const policy: PenaltyPolicy = {
  version: 'test-1',
  realtimeFailedByProvider: { kind: 'fixed', amountBaseUnits: 500n },
  realtimeCompletedLate: { kind: 'shareOfCharge', basisPoints: 1_000n, minimumBaseUnits: 10n },
};

const failedByProvider: JobOutcome = {
  kind: 'failed',
  eventId: 'evt-failed-1',
  providerId: 'gpu-north-1',
  attempt: 1,
  source: events.FailureSource.FAILURE_SOURCE_PROVIDER,
  category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
  at: at(30),
};

describe('assessPenalty', () => {
  it('given a REALTIME job failed by its provider, penalises the provider, credits the tenant and cites the failure and the placement', () => {
    const decision = assessPenalty(realtimeJob(), failedByProvider, policy);

    expect(decision?.penalty).toEqual({
      penaltyId: 'penalty:job-1:1',
      providerId: 'gpu-north-1',
      tenantId: 'acme',
      jobId: 'job-1',
      attempt: 1,
      amountBaseUnits: 500n,
      reason: 'REALTIME_FAILED_BY_PROVIDER',
      justifyingEventIds: ['evt-failed-1', 'evt-placed-1'],
      policyVersion: 'test-1',
      assessedAt: at(30),
    });
    expect(decision?.posting).toMatchObject({
      sourceId: 'penalty:job-1:1',
      kind: 'PENALTY',
      entries: [
        { accountId: 'provider:gpu-north-1', amount: -500n },
        { accountId: 'tenant:acme', amount: 500n },
      ],
    });
    expect(postingTotal(decision!.posting.entries)).toBe(0n);
  });

  it('does not penalise a failure the system decided, nor one the workload caused', () => {
    expect(
      assessPenalty(realtimeJob(), { ...failedByProvider, source: events.FailureSource.FAILURE_SOURCE_SYSTEM }, policy),
    ).toBeUndefined();
    expect(
      assessPenalty(realtimeJob(), { ...failedByProvider, category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD }, policy),
    ).toBeUndefined();
  });

  it('does not penalise tiers other than REALTIME', () => {
    for (const tier of [api.Tier.TIER_STANDARD, api.Tier.TIER_BATCH, api.Tier.TIER_TRAINING, api.Tier.TIER_UNSPECIFIED]) {
      expect(assessPenalty(realtimeJob({ tier }), failedByProvider, policy)).toBeUndefined();
    }
  });

  it('does not penalise a provider for an attempt that was not placed on it', () => {
    expect(assessPenalty(realtimeJob({ attempt: 2 }), failedByProvider, policy)).toBeUndefined();
    expect(assessPenalty(realtimeJob({ providerId: 'other' }), failedByProvider, policy)).toBeUndefined();
  });

  it('given a REALTIME job whose provider started it later than its latency bound after placement, penalises a share of its charge', () => {
    const job = realtimeJob({ maxLatencyMs: 2_000, placedAt: at(0), startedAt: at(3), chargedBaseUnits: 12_345n });
    const late: JobOutcome = { kind: 'completed', eventId: 'evt-completed-1', providerId: 'gpu-north-1', attempt: 1, at: at(4) };

    const decision = assessPenalty(job, late, policy);

    expect(decision?.penalty).toMatchObject({
      reason: 'REALTIME_COMPLETED_LATE',
      amountBaseUnits: 1_234n,
      justifyingEventIds: ['evt-completed-1', 'evt-placed-1'],
    });
  });

  it('given a REALTIME job started within its bound and finished before its deadline, no penalty, however long it ran', () => {
    const job = realtimeJob({ maxLatencyMs: 2_000, placedAt: at(0), startedAt: at(1), deadline: at(5) });
    const onTime: JobOutcome = { kind: 'completed', eventId: 'e', providerId: 'gpu-north-1', attempt: 1, at: at(4) };

    expect(assessPenalty(job, onTime, policy)).toBeUndefined();
  });

  it('given a REALTIME job completed after its deadline, penalises it', () => {
    const job = realtimeJob({ deadline: at(5) });
    const late: JobOutcome = { kind: 'completed', eventId: 'e', providerId: 'gpu-north-1', attempt: 1, at: at(6) };

    expect(assessPenalty(job, late, policy)?.penalty.reason).toBe('REALTIME_COMPLETED_LATE');
  });

  it('given a REALTIME attempt requeued because its provider was lost, failed it or never started it, penalises that provider', () => {
    for (const reason of [
      events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST,
      events.RequeueReason.REQUEUE_REASON_PROVIDER_FAILED,
      events.RequeueReason.REQUEUE_REASON_START_TIMEOUT,
    ]) {
      const requeued: JobOutcome = {
        kind: 'requeued',
        eventId: 'evt-requeued-1',
        providerId: 'gpu-north-1',
        attempt: 1,
        reason,
        at: at(20),
      };

      expect(assessPenalty(realtimeJob(), requeued, policy)?.penalty).toMatchObject({
        penaltyId: 'penalty:job-1:1',
        reason: 'REALTIME_ABANDONED_BY_PROVIDER',
        amountBaseUnits: 500n,
        justifyingEventIds: ['evt-requeued-1', 'evt-placed-1'],
      });
    }
  });

  it("lets the recorded fault decide, in every tier: the provider's fault is penalised; the workload's, the platform's, a preemption and a timeout are not", () => {
    const F = events.Fault;
    const batchJob = { ...realtimeJob(), tier: api.Tier.TIER_BATCH };
    const withOther = { ...policy, failedByProvider: { kind: 'fixed', amountBaseUnits: 70n } } as const;
    const failed = (fault: events.Fault): JobOutcome => ({
      ...failedByProvider,
      category: api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
      fault,
    });
    const requeued = (fault: events.Fault): JobOutcome => ({
      kind: 'requeued',
      eventId: 'evt-requeued-1',
      providerId: 'gpu-north-1',
      attempt: 1,
      reason: events.RequeueReason.REQUEUE_REASON_PROVIDER_FAILED,
      fault,
      at: at(20),
    });

    expect(assessPenalty(realtimeJob(), failed(F.FAULT_PROVIDER), withOther)?.penalty.reason).toBe('REALTIME_FAILED_BY_PROVIDER');
    expect(assessPenalty(batchJob, failed(F.FAULT_PROVIDER), withOther)?.penalty).toMatchObject({
      reason: 'FAILED_BY_PROVIDER',
      amountBaseUnits: 70n,
      justifyingEventIds: ['evt-failed-1', 'evt-placed-1'],
    });
    expect(assessPenalty(batchJob, requeued(F.FAULT_PROVIDER), withOther)?.penalty.reason).toBe('ABANDONED_BY_PROVIDER');
    for (const fault of [F.FAULT_WORKLOAD, F.FAULT_PLATFORM, F.FAULT_PREEMPTION, F.FAULT_TIMEOUT]) {
      expect(assessPenalty(realtimeJob(), failed(fault), withOther)).toBeUndefined();
      expect(assessPenalty(realtimeJob(), requeued(fault), withOther)).toBeUndefined();
      expect(assessPenalty(batchJob, requeued(fault), withOther)).toBeUndefined();
    }
    // A policy without a rule for the other tiers penalises only REALTIME.
    expect(assessPenalty(batchJob, failed(F.FAULT_PROVIDER), policy)).toBeUndefined();
    // An event recorded before faults were is judged as it was then: REALTIME only.
    expect(assessPenalty(batchJob, failedByProvider, withOther)).toBeUndefined();
  });

  it('does not penalise a requeue without a provider reason', () => {
    const requeued: JobOutcome = {
      kind: 'requeued',
      eventId: 'e',
      providerId: 'gpu-north-1',
      attempt: 1,
      reason: events.RequeueReason.REQUEUE_REASON_UNSPECIFIED,
      at: at(20),
    };

    expect(assessPenalty(realtimeJob(), requeued, policy)).toBeUndefined();
  });

  it('credits the protocol when the job’s tenant is unknown', () => {
    const { tenantId: _ignored, ...withoutTenant } = realtimeJob();

    const decision = assessPenalty(withoutTenant, failedByProvider, policy);

    expect(decision?.posting.entries[1]).toEqual({ accountId: 'protocol:fees', amount: 500n });
  });
});

describe('penaltyAmount', () => {
  it('takes the share of the charge, rounding down, and never less than the minimum', () => {
    const rule = { kind: 'shareOfCharge', basisPoints: 2_500n, minimumBaseUnits: 100n } as const;

    expect(penaltyAmount(rule, 1_003n)).toBe(250n);
    expect(penaltyAmount(rule, 10n)).toBe(100n);
  });
});
