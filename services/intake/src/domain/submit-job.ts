// SubmitJob's decision: idempotency per (tenant, idempotency key), then validation, then the
// JobSubmitted event. The caller supplies the new job's id and the submission time.
import type { api, events } from '@switchyard/contracts/messages';
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
  if (keyViolations.length > 0) return { kind: 'invalid', violations: [...keyViolations, ...validateJobSpec(command.spec, command.submittedAt)] };
  // A repeat is judged by its fingerprint alone: it was valid when first accepted, and a retry
  // after the deadline passed must still get its job back.
  if (prior) return prior.fingerprint === command.fingerprint ? { kind: 'duplicate', jobId: prior.jobId } : { kind: 'conflict', jobId: prior.jobId };
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

export function toTimestamp(at: Date): api.Timestamp {
  const ms = at.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}
