import { formatNanosAsSeconds, secondsToNanos, type JobFacts } from './job-facts.js';
import type { ConditionName, RuleConditions } from './tier-policy.js';

/**
 * Outcome of one condition against one job. `reason` states the job's actual value and how it
 * compares, whether or not the condition held: "max_latency_ms=200 <= 1000" when it held,
 * "max_latency_ms=2000 > 1000" when it did not.
 */
export interface ConditionCheck {
  readonly holds: boolean;
  readonly reason: string;
}

type Checker<K extends ConditionName> = (expected: NonNullable<RuleConditions[K]>, facts: JobFacts) => ConditionCheck;

const LATENCY_UNDECLARED: ConditionCheck = { holds: false, reason: 'max_latency_ms not declared' };
const DEADLINE_UNDECLARED: ConditionCheck = { holds: false, reason: 'deadline not declared' };
const SUBMITTED_AT_MISSING: ConditionCheck = { holds: false, reason: 'time_to_deadline unknown: submitted_at missing' };

const CHECKERS: { readonly [K in ConditionName]-?: Checker<K> } = {
  kind_in: (kinds, { kind }) => memberOf('kind', kind, kinds, String),
  tenant_plan_in: (plans, { tenantPlan }) => memberOf('tenant_plan', tenantPlan, plans, quoted),
  max_latency_declared: (declared, { maxLatencyMs }) =>
    presence(declared, maxLatencyMs === undefined ? undefined : `max_latency_ms=${maxLatencyMs} declared`, LATENCY_UNDECLARED),
  max_latency_ms_lte: (bound, { maxLatencyMs }) =>
    maxLatencyMs === undefined ? LATENCY_UNDECLARED : atMost('max_latency_ms', maxLatencyMs, bound),
  max_latency_ms_gt: (bound, { maxLatencyMs }) =>
    maxLatencyMs === undefined ? LATENCY_UNDECLARED : negate(atMost('max_latency_ms', maxLatencyMs, bound)),
  gpu_count_gte: (bound, { gpuCount }) => atLeast('gpu_count', gpuCount, bound),
  estimated_duration_seconds_gte: (bound, { estimatedDurationSeconds }) =>
    atLeast('estimated_duration_seconds', estimatedDurationSeconds, bound),
  estimated_duration_seconds_lte: (bound, { estimatedDurationSeconds }) =>
    atMost('estimated_duration_seconds', estimatedDurationSeconds, bound),
  deadline_declared: (declared, facts) => presence(declared, facts.deadlineDeclared ? 'deadline declared' : undefined, DEADLINE_UNDECLARED),
  time_to_deadline_seconds_lte: (bound, facts) => withTimeToDeadline(facts, (nanos) => deadlineWithin(nanos, bound)),
  time_to_deadline_seconds_gt: (bound, facts) => withTimeToDeadline(facts, (nanos) => negate(deadlineWithin(nanos, bound))),
  labels: (wanted, { labels }) => labelsMatch(wanted, labels),
};

export function checkCondition<K extends ConditionName>(
  name: K,
  expected: NonNullable<RuleConditions[K]>,
  facts: JobFacts,
): ConditionCheck {
  // TypeScript cannot correlate CHECKERS[name] with `expected` through K; the mapped type above does.
  const checker = CHECKERS[name] as Checker<K>;
  return checker(expected, facts);
}

function memberOf<T extends string>(field: string, actual: T, allowed: readonly T[], show: (value: T) => string): ConditionCheck {
  const holds = allowed.includes(actual);
  return { holds, reason: `${field}=${show(actual)} ${holds ? 'in' : 'not in'} [${allowed.map(show).join(', ')}]` };
}

function atMost(field: string, actual: number, bound: number): ConditionCheck {
  const holds = actual <= bound;
  return { holds, reason: `${field}=${actual} ${holds ? '<=' : '>'} ${bound}` };
}

function atLeast(field: string, actual: number, bound: number): ConditionCheck {
  const holds = actual >= bound;
  return { holds, reason: `${field}=${actual} ${holds ? '>=' : '<'} ${bound}` };
}

/** The reason of a `<=` check already reads as `>` when it fails: only the outcome flips. */
function negate(check: ConditionCheck): ConditionCheck {
  return { holds: !check.holds, reason: check.reason };
}

function presence(wanted: boolean, declaredReason: string | undefined, undeclared: ConditionCheck): ConditionCheck {
  const declared = declaredReason !== undefined;
  return { holds: declared === wanted, reason: declaredReason ?? undeclared.reason };
}

/** A comparison on the time to deadline cannot hold without one, whichever way it compares. */
function withTimeToDeadline(facts: JobFacts, compare: (nanos: bigint) => ConditionCheck): ConditionCheck {
  if (!facts.deadlineDeclared) return DEADLINE_UNDECLARED;
  if (facts.timeToDeadlineNanos === undefined) return SUBMITTED_AT_MISSING;
  return compare(facts.timeToDeadlineNanos);
}

function deadlineWithin(nanos: bigint, boundSeconds: number): ConditionCheck {
  const holds = nanos <= secondsToNanos(boundSeconds);
  return { holds, reason: `time_to_deadline=${formatNanosAsSeconds(nanos)} ${holds ? '<=' : '>'} ${boundSeconds}s` };
}

function labelsMatch(wanted: Readonly<Record<string, string>>, actual: Readonly<Record<string, string>>): ConditionCheck {
  // Sorted so the reason does not depend on the key order of the policy file.
  const keys = Object.keys(wanted).sort();
  for (const key of keys) {
    const value = Object.hasOwn(actual, key) ? actual[key] : undefined;
    if (value === undefined) return { holds: false, reason: `label ${key} not set, rule wants ${quoted(wanted[key]!)}` };
    if (value !== wanted[key]) return { holds: false, reason: `label ${key}=${quoted(value)} != ${quoted(wanted[key]!)}` };
  }
  return { holds: true, reason: keys.map((key) => `label ${key}=${quoted(wanted[key]!)}`).join(', ') };
}

function quoted(value: string): string {
  return JSON.stringify(value);
}
