// Penalties: a provider that fails or abandons a job through its own fault (the fault recorded on
// JobFailed / JobRequeued, docs/failure-categories.md) pays a penalty to the job's tenant, in
// every tier; a REALTIME job it finishes late costs it too. Each penalty names the events that
// justify it, so anyone can check it against the log.
import { api, decides, events } from '@switchyard/contracts/messages';
import { LedgerError, PROTOCOL_FEES, providerAccount, tenantAccount } from './accounts.js';
import { posting, type Posting } from './posting.js';
import { unreachable } from './unreachable.js';

/** How much a breach costs; versioned so a penalty can be recomputed from its policy. */
export type PenaltyRule =
  | { readonly kind: 'fixed'; readonly amountBaseUnits: bigint }
  /** basisPoints / 10 000 of what the job was charged so far, never less than the minimum. */
  | { readonly kind: 'shareOfCharge'; readonly basisPoints: bigint; readonly minimumBaseUnits: bigint };

export interface PenaltyPolicy {
  readonly version: string;
  readonly realtimeFailedByProvider: PenaltyRule;
  readonly realtimeCompletedLate: PenaltyRule;
  /** A provider-fault failure or abandonment of a job of another tier; undefined: none. */
  readonly failedByProvider?: PenaltyRule;
}

export const DEFAULT_PENALTY_POLICY: PenaltyPolicy = {
  version: 'penalties-2026-12-01',
  realtimeFailedByProvider: { kind: 'shareOfCharge', basisPoints: 5_000n, minimumBaseUnits: 1_000_000n },
  realtimeCompletedLate: { kind: 'shareOfCharge', basisPoints: 2_000n, minimumBaseUnits: 250_000n },
  failedByProvider: { kind: 'shareOfCharge', basisPoints: 1_000n, minimumBaseUnits: 100_000n },
};

/** What the payout service knows about a job's current attempt, folded from the jobs topic. */
export interface JobSla {
  readonly jobId: string;
  /** Unknown when the JobSubmitted was not seen; the penalty then goes to the protocol. */
  readonly tenantId?: string;
  readonly tier: api.Tier;
  readonly providerId: string;
  readonly attempt: number;
  /** ce_id of the JobPlaced of this attempt. */
  readonly placedEventId: string;
  /** Declared latency bound; 0 when none was declared. */
  readonly maxLatencyMs: number;
  readonly deadline?: Date;
  /** When the current attempt was placed (JobPlaced) and started (JobStarted). */
  readonly placedAt?: Date;
  readonly startedAt?: Date;
  /** Sum of the job's UsageMetered charges so far, for share-of-charge rules. */
  readonly chargedBaseUnits: bigint;
}

export type JobOutcome =
  | {
      readonly kind: 'failed';
      readonly eventId: string;
      readonly providerId: string;
      readonly attempt: number;
      readonly source: events.FailureSource;
      readonly category: api.FailureCategory;
      /** Whose fault (FAULT_UNSPECIFIED on events recorded before faults were). */
      readonly fault?: events.Fault;
      readonly at: Date;
    }
  | { readonly kind: 'completed'; readonly eventId: string; readonly providerId: string; readonly attempt: number; readonly at: Date }
  /** The attempt ended without a result and the job goes to another provider (JobRequeued). */
  | {
      readonly kind: 'requeued';
      readonly eventId: string;
      /** The provider that held the ended attempt. */
      readonly providerId: string;
      /** The ended attempt (JobRequeued carries the new one: this is one less). */
      readonly attempt: number;
      readonly reason: events.RequeueReason;
      readonly fault?: events.Fault;
      readonly at: Date;
    };

export type PenaltyReason =
  | 'REALTIME_FAILED_BY_PROVIDER'
  | 'REALTIME_ABANDONED_BY_PROVIDER'
  | 'REALTIME_COMPLETED_LATE'
  | 'FAILED_BY_PROVIDER'
  | 'ABANDONED_BY_PROVIDER';

export interface Penalty {
  readonly penaltyId: string;
  readonly providerId: string;
  readonly tenantId?: string;
  readonly jobId: string;
  readonly attempt: number;
  readonly amountBaseUnits: bigint;
  readonly reason: PenaltyReason;
  readonly justifyingEventIds: readonly string[];
  readonly policyVersion: string;
  readonly assessedAt: Date;
}

export interface PenaltyDecision {
  readonly penalty: Penalty;
  readonly posting: Posting;
}

/** The penalty an outcome of `job` earns its provider under `policy`, or undefined for none. */
export function assessPenalty(job: JobSla, outcome: JobOutcome, policy: PenaltyPolicy): PenaltyDecision | undefined {
  // An outcome of another attempt or provider is not this placement's to answer for.
  if (outcome.attempt !== job.attempt || outcome.providerId !== job.providerId) return undefined;
  const reason = breachOf(job, outcome);
  if (reason === undefined) return undefined;
  const rule = ruleFor(reason, policy);
  if (rule === undefined) return undefined;
  const amount = penaltyAmount(rule, job.chargedBaseUnits);
  if (amount <= 0n) return undefined;
  const penaltyId = `penalty:${job.jobId}:${job.attempt}`;
  const penalty: Penalty = {
    penaltyId,
    providerId: job.providerId,
    ...(job.tenantId === undefined ? {} : { tenantId: job.tenantId }),
    jobId: job.jobId,
    attempt: job.attempt,
    amountBaseUnits: amount,
    reason,
    justifyingEventIds: [outcome.eventId, job.placedEventId],
    policyVersion: policy.version,
    assessedAt: outcome.at,
  };
  return { penalty, posting: penaltyPosting(penalty) };
}

function ruleFor(reason: PenaltyReason, policy: PenaltyPolicy): PenaltyRule | undefined {
  switch (reason) {
    case 'REALTIME_COMPLETED_LATE':
      return policy.realtimeCompletedLate;
    case 'REALTIME_FAILED_BY_PROVIDER':
    case 'REALTIME_ABANDONED_BY_PROVIDER':
      return policy.realtimeFailedByProvider;
    case 'FAILED_BY_PROVIDER':
    case 'ABANDONED_BY_PROVIDER':
      return policy.failedByProvider;
    default:
      return unreachable(reason);
  }
}

/**
 * Which breach an outcome is. The fault recorded with the failure or requeue decides
 * (`penalise` in the fault table); an event recorded before faults were is judged as it was
 * then — REALTIME only, by the reported category and the requeue reason.
 */
function breachOf(job: JobSla, outcome: JobOutcome): PenaltyReason | undefined {
  const realtime = job.tier === api.Tier.TIER_REALTIME;
  const legacyTier =
    realtime || (outcome.kind !== 'completed' && outcome.fault !== undefined && outcome.fault !== events.Fault.FAULT_UNSPECIFIED);
  switch (outcome.kind) {
    case 'failed': {
      const legacy = outcome.source === events.FailureSource.FAILURE_SOURCE_PROVIDER && isProvidersFault(outcome.category);
      if (!legacyTier || !decides(outcome.fault, 'penalise', legacy)) return undefined;
      return realtime ? 'REALTIME_FAILED_BY_PROVIDER' : 'FAILED_BY_PROVIDER';
    }
    case 'completed':
      return realtime && isLate(job, outcome.at) ? 'REALTIME_COMPLETED_LATE' : undefined;
    case 'requeued':
      if (!legacyTier || !decides(outcome.fault, 'penalise', isProvidersRequeue(outcome.reason))) return undefined;
      return realtime ? 'REALTIME_ABANDONED_BY_PROVIDER' : 'ABANDONED_BY_PROVIDER';
    default:
      return unreachable(outcome);
  }
}

/** Whether a failure the provider reported is its own fault rather than the workload's. */
export function isProvidersFault(category: api.FailureCategory): boolean {
  switch (category) {
    case api.FailureCategory.FAILURE_CATEGORY_OUT_OF_MEMORY:
    case api.FailureCategory.FAILURE_CATEGORY_HARDWARE:
    case api.FailureCategory.FAILURE_CATEGORY_NETWORK:
    case api.FailureCategory.FAILURE_CATEGORY_TIMEOUT:
    case api.FailureCategory.FAILURE_CATEGORY_PREEMPTED:
    case api.FailureCategory.FAILURE_CATEGORY_INTERNAL:
    case api.FailureCategory.FAILURE_CATEGORY_UNSPECIFIED:
      return true;
    case api.FailureCategory.FAILURE_CATEGORY_WORKLOAD:
    case api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY:
      return false;
    case api.FailureCategory.UNRECOGNIZED:
      return false;
    default:
      return unreachable(category);
  }
}

/** Whether the provider caused the requeue: it was lost, failed the attempt or never started it. */
export function isProvidersRequeue(reason: events.RequeueReason): boolean {
  switch (reason) {
    case events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST:
    case events.RequeueReason.REQUEUE_REASON_PROVIDER_FAILED:
    case events.RequeueReason.REQUEUE_REASON_START_TIMEOUT:
    case events.RequeueReason.REQUEUE_REASON_NOT_HELD:
      return true;
    case events.RequeueReason.REQUEUE_REASON_UNSPECIFIED:
    case events.RequeueReason.UNRECOGNIZED:
      return false;
    default:
      return unreachable(reason);
  }
}

/**
 * Late through the provider's fault: finished after the deadline, or slower to respond than the
 * declared latency bound — the time from placement to the provider's start. (The run's own
 * length is the workload's: a 30 s inference with a 500 ms bound is not late at 30 s.)
 */
function isLate(job: JobSla, completedAt: Date): boolean {
  if (job.deadline !== undefined && completedAt.getTime() > job.deadline.getTime()) return true;
  if (job.maxLatencyMs <= 0 || job.placedAt === undefined || job.startedAt === undefined) return false;
  return job.startedAt.getTime() - job.placedAt.getTime() > job.maxLatencyMs;
}

export function penaltyAmount(rule: PenaltyRule, chargedBaseUnits: bigint): bigint {
  switch (rule.kind) {
    case 'fixed':
      return rule.amountBaseUnits;
    case 'shareOfCharge': {
      // Integer division rounds down: the provider never pays a fraction of a base unit more.
      const share = (chargedBaseUnits * rule.basisPoints) / 10_000n;
      return share > rule.minimumBaseUnits ? share : rule.minimumBaseUnits;
    }
    default:
      return unreachable(rule);
  }
}

/** Provider debited, tenant (or, when unknown, the protocol) credited; source id = penalty id. */
export function penaltyPosting(penalty: Penalty): Posting {
  if (penalty.amountBaseUnits <= 0n) throw new LedgerError('NEGATIVE_AMOUNT', `penalty ${penalty.penaltyId} must be positive`);
  return posting({
    sourceId: penalty.penaltyId,
    kind: 'PENALTY',
    entries: [
      { accountId: providerAccount(penalty.providerId), amount: -penalty.amountBaseUnits },
      { accountId: penalty.tenantId === undefined ? PROTOCOL_FEES : tenantAccount(penalty.tenantId), amount: penalty.amountBaseUnits },
    ],
    recordedAt: penalty.assessedAt,
  });
}
