// SubmitJob's decision: idempotency per (tenant, idempotency key), then validation, then the
// JobSubmitted event. The caller supplies the new job's id and the submission time. In the batch's
// transaction, decideSubmission decides once with everything the tables told: the prior under the
// key, the dependencies that are not the tenant's, and the spending cap against what the tenant has
// committed in the epoch, given the job's quote.
import type { api, events } from '@switchyard/contracts/messages';
import { fitsUnderCap } from '@switchyard/payout/domain';
import type { FieldViolation } from './field-violation.js';
import { validateIdempotencyKey, validateJobSpec } from './validate-job-spec.js';

export interface Tenant {
  readonly id: string;
  readonly plan: string;
}

/** An earlier submission under the same key, as stored. */
export interface PriorSubmission {
  readonly jobId: string;
  readonly fingerprint: string;
}

export interface SubmitJobCommand {
  readonly tenant: Tenant;
  readonly spec: api.JobSpec | undefined;
  readonly idempotencyKey: string;
  /** `specFingerprint(spec)`, computed by the caller when the spec is present. */
  readonly fingerprint: string;
  readonly jobId: string;
  readonly submittedAt: Date;
}

export type SubmitJobDecision =
  | { readonly kind: 'invalid'; readonly violations: FieldViolation[] }
  /** Same key, same spec: answer with the earlier job, emit nothing. */
  | { readonly kind: 'duplicate'; readonly jobId: string }
  /** Same key, another spec: refuse, emit nothing. */
  | { readonly kind: 'conflict'; readonly jobId: string }
  | { readonly kind: 'accepted'; readonly event: events.JobSubmitted };

export function decideSubmitJob(command: SubmitJobCommand, prior: PriorSubmission | undefined): SubmitJobDecision {
  const keyViolations = validateIdempotencyKey(command.idempotencyKey);
  if (keyViolations.length > 0)
    return { kind: 'invalid', violations: [...keyViolations, ...validateJobSpec(command.spec, command.submittedAt)] };
  // A repeat is judged by its fingerprint alone: it was valid when first accepted, and a retry
  // after the deadline passed must still get its job back.
  if (prior)
    return prior.fingerprint === command.fingerprint ? { kind: 'duplicate', jobId: prior.jobId } : { kind: 'conflict', jobId: prior.jobId };
  const violations = validateJobSpec(command.spec, command.submittedAt);
  if (violations.length > 0 || command.spec === undefined) return { kind: 'invalid', violations };
  return {
    kind: 'accepted',
    event: {
      jobId: command.jobId,
      tenantId: command.tenant.id,
      tenantPlan: command.tenant.plan,
      spec: command.spec,
      idempotencyKey: command.idempotencyKey,
      quote: undefined,
      submittedAt: toTimestamp(command.submittedAt),
    },
  };
}

/** What the batch's transaction knows when it decides one submission. */
export interface SubmissionContext {
  readonly prior: PriorSubmission | undefined;
  /** The quote the job is accepted under, and its worst case (what counts against the cap). */
  readonly quote: api.Quote | undefined;
  readonly worstCaseBaseUnits: bigint;
  /** The tenant's cap for the epoch; undefined: no cap. */
  readonly capBaseUnits: bigint | undefined;
  /** What the tenant has committed in the epoch before this submission (earlier ones in the batch included). */
  readonly committedBaseUnits: bigint;
  /** Dependencies that are not the tenant's jobs (or not jobs at all), as field violations. */
  readonly dependencyViolations: readonly FieldViolation[];
}

export type SubmissionDecision =
  | Exclude<SubmitJobDecision, { kind: 'accepted' }>
  /** The worst-case quote does not fit in what is left of the tenant's cap for the epoch. */
  | { readonly kind: 'over-cap'; readonly capBaseUnits: bigint; readonly committedBaseUnits: bigint; readonly quoteBaseUnits: bigint }
  /** Accepted under its quote; `worstCaseBaseUnits` is what it adds to the tenant's commitment. */
  | { readonly kind: 'accepted'; readonly event: events.JobSubmitted; readonly worstCaseBaseUnits: bigint };

export function decideSubmission(command: SubmitJobCommand, context: SubmissionContext): SubmissionDecision {
  const decision = decideSubmitJob(command, context.prior);
  if (decision.kind !== 'accepted') return decision;
  if (context.dependencyViolations.length > 0) return { kind: 'invalid', violations: [...context.dependencyViolations] };
  const worstCase = context.worstCaseBaseUnits;
  if (context.capBaseUnits !== undefined && !fitsUnderCap(context.capBaseUnits, context.committedBaseUnits, worstCase)) {
    return {
      kind: 'over-cap',
      capBaseUnits: context.capBaseUnits,
      committedBaseUnits: context.committedBaseUnits,
      quoteBaseUnits: worstCase,
    };
  }
  return { kind: 'accepted', event: { ...decision.event, quote: context.quote }, worstCaseBaseUnits: worstCase };
}

export function toTimestamp(at: Date): api.Timestamp {
  const ms = at.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}
