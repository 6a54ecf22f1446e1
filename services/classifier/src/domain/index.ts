// The classifier's decision, shared by the service and the CLI's replay (verify and what-if).
export { classifyJob } from './classify-job.js';
export {
  CLASSIFIABLE_TIERS,
  CONDITION_NAMES,
  DEFAULT_RULE_ID,
  WORKLOAD_KIND_NAMES,
  type ClassifiableTier,
  type ConditionName,
  type RuleConditions,
  type TierPolicy,
  type TierRule,
  type WorkloadKindName,
} from './tier-policy.js';
