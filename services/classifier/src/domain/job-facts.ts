import { api, events } from '@switchyard/contracts/messages';

const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * What the rules can see of a submitted job, read once from the event. Time to deadline is
 * computed from the event's own submitted_at, never from a clock, so a replay months later
 * sees the same value the service saw.
 */
export interface JobFacts {
  readonly kind: api.WorkloadKind;
  readonly tenantPlan: string;
  /** Undefined when the spec declares none (0 on the wire). */
  readonly maxLatencyMs: number | undefined;
  readonly gpuCount: number;
  readonly estimatedDurationSeconds: number;
  readonly deadlineDeclared: boolean;
  /** Deadline minus submitted_at in nanoseconds; undefined without a deadline or submitted_at. */
  readonly timeToDeadlineNanos: bigint | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

export function jobFactsOf(submitted: events.JobSubmitted): JobFacts {
  // A missing spec reads as proto3 defaults: no rule condition can then hold by accident.
  const spec = submitted.spec ?? api.JobSpec.fromPartial({});
  return {
    kind: spec.kind,
    tenantPlan: submitted.tenantPlan,
    maxLatencyMs: spec.maxLatencyMs > 0 ? spec.maxLatencyMs : undefined,
    gpuCount: spec.gpuCount,
    estimatedDurationSeconds: spec.estimatedDurationSeconds,
    deadlineDeclared: spec.deadline !== undefined,
    timeToDeadlineNanos: spec.deadline && submitted.submittedAt ? toNanos(spec.deadline) - toNanos(submitted.submittedAt) : undefined,
    labels: spec.labels,
  };
}

/** Exact integer arithmetic: int64 seconds do not fit a double's mantissa once nanos are added. */
function toNanos(timestamp: api.Timestamp): bigint {
  return BigInt(timestamp.seconds) * NANOS_PER_SECOND + BigInt(timestamp.nanos);
}

export function secondsToNanos(seconds: number): bigint {
  return BigInt(seconds) * NANOS_PER_SECOND;
}

/** "3600s", "-90s", "1.5s": exact, no float rounding, so reasons are byte-identical on replay. */
export function formatNanosAsSeconds(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const whole = abs / NANOS_PER_SECOND;
  const fraction = (abs % NANOS_PER_SECOND).toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}s`;
}
