import { api } from '@switchyard/contracts/messages';

/**
 * A tier policy as data: exactly the shape of the policy file once parsed and validated, so the
 * service and the CLI's what-if replay can hand any file's contents to `classifyJob`.
 * Rules are evaluated in order and the first whose conditions all hold decides the tier.
 */
export interface TierPolicy {
  /** Bumped on every change; JobClassified records it so a replay can tell which policy decided. */
  readonly version: string;
  readonly description?: string;
  /** Tier of a job no rule matched. */
  readonly default_tier: ClassifiableTier;
  readonly rules: readonly TierRule[];
}

export interface TierRule {
  /** Unique within the policy; JobClassified.matched_rule_id names it. */
  readonly id: string;
  readonly description?: string;
  readonly tier: ClassifiableTier;
  /** Every condition present must hold (logical AND); an OR is two rules with the same tier. */
  readonly when: RuleConditions;
}

/**
 * Conditions over the job spec and the tenant's plan. Names are `<field>_<operator>` with the
 * field spelled as in the proto, so a reason reads like the rule that produced it.
 * A comparison on an optional value (latency bound, deadline) holds only when the value is
 * declared; `*_declared` conditions match on presence itself.
 */
export interface RuleConditions {
  readonly kind_in?: readonly WorkloadKindName[];
  readonly tenant_plan_in?: readonly string[];
  readonly max_latency_declared?: boolean;
  readonly max_latency_ms_lte?: number;
  readonly max_latency_ms_gt?: number;
  readonly gpu_count_gte?: number;
  readonly estimated_duration_seconds_gte?: number;
  readonly estimated_duration_seconds_lte?: number;
  readonly deadline_declared?: boolean;
  /** Deadline minus submitted_at, both from the JobSubmitted event. */
  readonly time_to_deadline_seconds_lte?: number;
  readonly time_to_deadline_seconds_gt?: number;
  /** Every listed label must be present with exactly this value. */
  readonly labels?: Readonly<Record<string, string>>;
}

export type ConditionName = keyof RuleConditions;

/**
 * Order in which a rule's conditions are checked and its reasons listed: fixed here rather than
 * taken from the file, so two files that differ only in key order explain a job identically.
 */
export const CONDITION_NAMES: readonly ConditionName[] = [
  'kind_in',
  'tenant_plan_in',
  'max_latency_declared',
  'max_latency_ms_lte',
  'max_latency_ms_gt',
  'gpu_count_gte',
  'estimated_duration_seconds_gte',
  'estimated_duration_seconds_lte',
  'deadline_declared',
  'time_to_deadline_seconds_lte',
  'time_to_deadline_seconds_gt',
  'labels',
];

/** Tiers a policy may assign: every Tier except the proto's UNSPECIFIED and UNRECOGNIZED. */
export const CLASSIFIABLE_TIERS = [api.Tier.TIER_REALTIME, api.Tier.TIER_STANDARD, api.Tier.TIER_BATCH, api.Tier.TIER_TRAINING] as const;
export type ClassifiableTier = (typeof CLASSIFIABLE_TIERS)[number];

/** Workload kinds a rule may name: intake rejects UNSPECIFIED, so no rule can need it. */
export const WORKLOAD_KIND_NAMES = [
  api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
  api.WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE,
  api.WorkloadKind.WORKLOAD_KIND_TRAINING,
  api.WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP,
] as const;
export type WorkloadKindName = (typeof WORKLOAD_KIND_NAMES)[number];

/** Rule id JobClassified carries when no rule matched and the default tier applied. */
export const DEFAULT_RULE_ID = 'default';
