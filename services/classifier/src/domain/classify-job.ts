import type { events } from '@switchyard/contracts/messages';
import { jobFactsOf, type JobFacts } from './job-facts.js';
import { checkCondition } from './rule-conditions.js';
import {
  CONDITION_NAMES,
  DEFAULT_RULE_ID,
  type ClassifiableTier,
  type ConditionName,
  type TierPolicy,
  type TierRule,
} from './tier-policy.js';

/**
 * Sorts a submitted job into a tier under `policy`: the first rule whose conditions all hold
 * decides, otherwise the policy's default tier. Pure: the same event and policy give the same
 * JobClassified, so replay can verify it and what-if can re-run it under another policy.
 * classified_at is the job's submitted_at: the decision is as of the input, not of the wall
 * clock of whichever process runs it.
 */
export function classifyJob(submitted: events.JobSubmitted, policy: TierPolicy): events.JobClassified {
  const facts = jobFactsOf(submitted);
  const misses: string[] = [];
  for (const rule of policy.rules) {
    const outcome = evaluateRule(rule, facts);
    if (outcome.matched) {
      return classified(submitted, policy, rule.id, rule.tier, outcome.reasons);
    }
    misses.push(`rule ${rule.id} not matched: ${outcome.reasons.at(-1)}`);
  }
  const reasons = [`no rule matched; default tier ${policy.default_tier}`, ...misses];
  return classified(submitted, policy, DEFAULT_RULE_ID, policy.default_tier, reasons);
}

interface RuleOutcome {
  readonly matched: boolean;
  /** Every condition when matched; otherwise up to and including the first that failed. */
  readonly reasons: readonly string[];
}

function evaluateRule(rule: TierRule, facts: JobFacts): RuleOutcome {
  const reasons: string[] = [];
  for (const name of CONDITION_NAMES) {
    const expected = rule.when[name];
    if (expected === undefined) continue;
    const check = checkCondition<ConditionName>(name, expected, facts);
    reasons.push(check.reason);
    if (!check.holds) return { matched: false, reasons };
  }
  return { matched: true, reasons };
}

function classified(
  submitted: events.JobSubmitted,
  policy: TierPolicy,
  matchedRuleId: string,
  tier: ClassifiableTier,
  reasons: readonly string[],
): events.JobClassified {
  return {
    jobId: submitted.jobId,
    tier,
    policyVersion: policy.version,
    matchedRuleId,
    reasons: [...reasons],
    classifiedAt: submitted.submittedAt ? { ...submitted.submittedAt } : undefined,
  };
}
