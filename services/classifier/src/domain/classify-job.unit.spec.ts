import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts/messages';
import { classifyJob } from './classify-job.js';
import type { RuleConditions, TierPolicy, TierRule } from './tier-policy.js';

const { Tier, WorkloadKind } = api;
const SUBMITTED_AT = { seconds: '1795000000', nanos: 0 };

function jobSubmitted(spec: Partial<api.JobSpec> = {}, overrides: Partial<events.JobSubmitted> = {}): events.JobSubmitted {
  return events.JobSubmitted.fromPartial({
    jobId: 'job-1',
    tenantId: 'tenant-a',
    tenantPlan: 'standard',
    idempotencyKey: 'key-1',
    submittedAt: SUBMITTED_AT,
    spec: { kind: WorkloadKind.WORKLOAD_KIND_INFERENCE, gpuClass: 'l4', gpuCount: 1, ...spec },
    ...overrides,
  });
}

function rule(id: string, tier: TierRule['tier'], when: RuleConditions): TierRule {
  return { id, tier, when };
}

function policy(...rules: TierRule[]): TierPolicy {
  return { version: 'test.1', default_tier: Tier.TIER_STANDARD, rules };
}

function secondsAfterSubmission(seconds: number, nanos = 0): api.Timestamp {
  return { seconds: String(Number(SUBMITTED_AT.seconds) + seconds), nanos };
}

describe('classifyJob', () => {
  describe('first match wins', () => {
    it('given two rules that both match, when classifying, then the earlier rule decides', () => {
      const given = policy(
        rule('tight-inference', Tier.TIER_REALTIME, { kind_in: [WorkloadKind.WORKLOAD_KIND_INFERENCE], max_latency_ms_lte: 500 }),
        rule('any-inference', Tier.TIER_BATCH, { kind_in: [WorkloadKind.WORKLOAD_KIND_INFERENCE] }),
      );

      const then = classifyJob(jobSubmitted({ maxLatencyMs: 200 }), given);

      expect(then.tier).toBe(Tier.TIER_REALTIME);
      expect(then.matchedRuleId).toBe('tight-inference');
    });

    it('given the earlier rule fails one condition, when classifying, then the next matching rule decides', () => {
      const given = policy(
        rule('tight-inference', Tier.TIER_REALTIME, { kind_in: [WorkloadKind.WORKLOAD_KIND_INFERENCE], max_latency_ms_lte: 500 }),
        rule('any-inference', Tier.TIER_BATCH, { kind_in: [WorkloadKind.WORKLOAD_KIND_INFERENCE] }),
      );

      const then = classifyJob(jobSubmitted({ maxLatencyMs: 800 }), given);

      expect(then.matchedRuleId).toBe('any-inference');
      expect(then.tier).toBe(Tier.TIER_BATCH);
    });
  });

  describe('the recorded decision', () => {
    it('given a matching rule, then JobClassified carries the job, tier, policy version, rule and reasons, as of submitted_at', () => {
      const given = policy(
        rule('tight-inference', Tier.TIER_REALTIME, { kind_in: [WorkloadKind.WORKLOAD_KIND_INFERENCE], max_latency_ms_lte: 1000 }),
      );

      const then = classifyJob(jobSubmitted({ maxLatencyMs: 200 }), given);

      const expected: events.JobClassified = {
        jobId: 'job-1',
        tier: Tier.TIER_REALTIME,
        policyVersion: 'test.1',
        matchedRuleId: 'tight-inference',
        reasons: ['kind=WORKLOAD_KIND_INFERENCE in [WORKLOAD_KIND_INFERENCE]', 'max_latency_ms=200 <= 1000'],
        classifiedAt: SUBMITTED_AT,
      };
      expect(then).toEqual(expected);
    });

    it('given no rule matches, then the default tier applies under rule id "default" and the reasons say why each rule missed', () => {
      const given = policy(
        rule('training', Tier.TIER_TRAINING, { kind_in: [WorkloadKind.WORKLOAD_KIND_TRAINING] }),
        rule('tight-inference', Tier.TIER_REALTIME, { kind_in: [WorkloadKind.WORKLOAD_KIND_INFERENCE], max_latency_ms_lte: 1000 }),
      );

      const then = classifyJob(jobSubmitted({ maxLatencyMs: 0 }), given);

      expect(then.tier).toBe(Tier.TIER_STANDARD);
      expect(then.matchedRuleId).toBe('default');
      expect(then.reasons).toEqual([
        'no rule matched; default tier TIER_STANDARD',
        'rule training not matched: kind=WORKLOAD_KIND_INFERENCE not in [WORKLOAD_KIND_TRAINING]',
        'rule tight-inference not matched: max_latency_ms not declared',
      ]);
    });

    it('given conditions written in any order, then reasons come in the fixed condition order', () => {
      const given = policy(
        rule('r', Tier.TIER_TRAINING, {
          labels: { team: 'search' },
          estimated_duration_seconds_gte: 3600,
          gpu_count_gte: 4,
          tenant_plan_in: ['premium'],
        }),
      );

      const then = classifyJob(
        jobSubmitted({ gpuCount: 8, estimatedDurationSeconds: 7200, labels: { team: 'search' } }, { tenantPlan: 'premium' }),
        given,
      );

      expect(then.reasons).toEqual([
        'tenant_plan="premium" in ["premium"]',
        'gpu_count=8 >= 4',
        'estimated_duration_seconds=7200 >= 3600',
        'label team="search"',
      ]);
    });

    it('given a submitted job without a spec, then no condition holds by accident and the default tier applies', () => {
      const given = policy(rule('any-count', Tier.TIER_BATCH, { gpu_count_gte: 0, kind_in: [WorkloadKind.WORKLOAD_KIND_INFERENCE] }));

      const then = classifyJob(jobSubmitted({}, { spec: undefined }), given);

      expect(then.matchedRuleId).toBe('default');
    });
  });

  describe('time to deadline comes from the event, not a clock', () => {
    const given = policy(rule('due-soon', Tier.TIER_STANDARD, { time_to_deadline_seconds_lte: 3600 }));

    it('given a deadline 3600 s after submitted_at, then time_to_deadline is 3600s', () => {
      const then = classifyJob(jobSubmitted({ deadline: secondsAfterSubmission(3600) }), given);

      expect(then.matchedRuleId).toBe('due-soon');
      expect(then.reasons).toEqual(['time_to_deadline=3600s <= 3600s']);
    });

    it('given the same deadline but a job submitted half a second later, then it is measured from that submitted_at', () => {
      const submittedLater = { seconds: SUBMITTED_AT.seconds, nanos: 500_000_000 };

      const then = classifyJob(jobSubmitted({ deadline: secondsAfterSubmission(3600) }, { submittedAt: submittedLater }), given);

      expect(then.reasons).toEqual(['time_to_deadline=3599.5s <= 3600s']);
      expect(then.classifiedAt).toEqual(submittedLater);
    });

    it('given a deadline just past the bound, then the rule does not match and the reason shows the exact gap', () => {
      const then = classifyJob(jobSubmitted({ deadline: secondsAfterSubmission(3600, 1) }), given);

      expect(then.matchedRuleId).toBe('default');
      expect(then.reasons).toContain('rule due-soon not matched: time_to_deadline=3600.000000001s > 3600s');
    });

    it('given a deadline already passed at submission, then the time to deadline is negative and within any bound', () => {
      const then = classifyJob(jobSubmitted({ deadline: secondsAfterSubmission(-90) }), given);

      expect(then.reasons).toEqual(['time_to_deadline=-90s <= 3600s']);
    });

    it('given no submitted_at, then a deadline condition cannot hold and classified_at stays unset', () => {
      const then = classifyJob(jobSubmitted({ deadline: secondsAfterSubmission(10) }, { submittedAt: undefined }), given);

      expect(then.matchedRuleId).toBe('default');
      expect(then.reasons).toContain('rule due-soon not matched: time_to_deadline unknown: submitted_at missing');
      expect(then.classifiedAt).toBeUndefined();
    });
  });

  describe('determinism', () => {
    it('given the same event and policy twice, then the two decisions are identical and the inputs untouched', () => {
      const given = Object.freeze(
        policy(
          rule('due-soon', Tier.TIER_STANDARD, { time_to_deadline_seconds_lte: 60 }),
          rule('bulk', Tier.TIER_BATCH, { kind_in: [WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE] }),
        ),
      );
      const submitted = jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE, deadline: secondsAfterSubmission(86_400) });
      const before = structuredClone(submitted);

      const first = classifyJob(submitted, given);
      const second = classifyJob(submitted, given);

      expect(second).toEqual(first);
      expect(submitted).toEqual(before);
      expect(first.classifiedAt).not.toBe(submitted.submittedAt);
    });
  });
});
