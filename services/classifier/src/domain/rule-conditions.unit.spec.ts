import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts/messages';
import { jobFactsOf } from './job-facts.js';
import { checkCondition, type ConditionCheck } from './rule-conditions.js';
import type { ConditionName, RuleConditions } from './tier-policy.js';

const { WorkloadKind } = api;
const SUBMITTED_SECONDS = 1_795_000_000;

function factsOf(spec: Partial<api.JobSpec>, tenantPlan = 'standard') {
  return jobFactsOf(
    events.JobSubmitted.fromPartial({
      jobId: 'job-1',
      tenantPlan,
      submittedAt: { seconds: String(SUBMITTED_SECONDS), nanos: 0 },
      spec: { kind: WorkloadKind.WORKLOAD_KIND_INFERENCE, gpuCount: 1, ...spec },
    }),
  );
}

function deadlineIn(seconds: number): api.Timestamp {
  return { seconds: String(SUBMITTED_SECONDS + seconds), nanos: 0 };
}

type Case = [ConditionName, RuleConditions[ConditionName], Partial<api.JobSpec>, ConditionCheck];

// Each condition: the job's actual value, whether the condition holds, and the reason recorded.
const cases: Case[] = [
  [
    'kind_in',
    [WorkloadKind.WORKLOAD_KIND_INFERENCE],
    {},
    { holds: true, reason: 'kind=WORKLOAD_KIND_INFERENCE in [WORKLOAD_KIND_INFERENCE]' },
  ],
  [
    'kind_in',
    [WorkloadKind.WORKLOAD_KIND_TRAINING, WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE],
    {},
    { holds: false, reason: 'kind=WORKLOAD_KIND_INFERENCE not in [WORKLOAD_KIND_TRAINING, WORKLOAD_KIND_BATCH_INFERENCE]' },
  ],
  ['max_latency_declared', true, { maxLatencyMs: 250 }, { holds: true, reason: 'max_latency_ms=250 declared' }],
  ['max_latency_declared', true, { maxLatencyMs: 0 }, { holds: false, reason: 'max_latency_ms not declared' }],
  ['max_latency_declared', false, { maxLatencyMs: 0 }, { holds: true, reason: 'max_latency_ms not declared' }],
  ['max_latency_declared', false, { maxLatencyMs: 250 }, { holds: false, reason: 'max_latency_ms=250 declared' }],
  ['max_latency_ms_lte', 1000, { maxLatencyMs: 1000 }, { holds: true, reason: 'max_latency_ms=1000 <= 1000' }],
  ['max_latency_ms_lte', 1000, { maxLatencyMs: 1001 }, { holds: false, reason: 'max_latency_ms=1001 > 1000' }],
  ['max_latency_ms_lte', 1000, { maxLatencyMs: 0 }, { holds: false, reason: 'max_latency_ms not declared' }],
  ['max_latency_ms_gt', 1000, { maxLatencyMs: 1001 }, { holds: true, reason: 'max_latency_ms=1001 > 1000' }],
  ['max_latency_ms_gt', 1000, { maxLatencyMs: 1000 }, { holds: false, reason: 'max_latency_ms=1000 <= 1000' }],
  ['max_latency_ms_gt', 1000, { maxLatencyMs: 0 }, { holds: false, reason: 'max_latency_ms not declared' }],
  ['gpu_count_gte', 4, { gpuCount: 4 }, { holds: true, reason: 'gpu_count=4 >= 4' }],
  ['gpu_count_gte', 4, { gpuCount: 2 }, { holds: false, reason: 'gpu_count=2 < 4' }],
  [
    'estimated_duration_seconds_gte',
    3600,
    { estimatedDurationSeconds: 7200 },
    { holds: true, reason: 'estimated_duration_seconds=7200 >= 3600' },
  ],
  [
    'estimated_duration_seconds_gte',
    3600,
    { estimatedDurationSeconds: 60 },
    { holds: false, reason: 'estimated_duration_seconds=60 < 3600' },
  ],
  ['estimated_duration_seconds_lte', 60, { estimatedDurationSeconds: 30 }, { holds: true, reason: 'estimated_duration_seconds=30 <= 60' }],
  ['estimated_duration_seconds_lte', 60, { estimatedDurationSeconds: 61 }, { holds: false, reason: 'estimated_duration_seconds=61 > 60' }],
  ['deadline_declared', true, { deadline: deadlineIn(60) }, { holds: true, reason: 'deadline declared' }],
  ['deadline_declared', true, {}, { holds: false, reason: 'deadline not declared' }],
  ['deadline_declared', false, {}, { holds: true, reason: 'deadline not declared' }],
  ['time_to_deadline_seconds_lte', 3600, { deadline: deadlineIn(600) }, { holds: true, reason: 'time_to_deadline=600s <= 3600s' }],
  ['time_to_deadline_seconds_lte', 3600, { deadline: deadlineIn(7200) }, { holds: false, reason: 'time_to_deadline=7200s > 3600s' }],
  ['time_to_deadline_seconds_lte', 3600, {}, { holds: false, reason: 'deadline not declared' }],
  ['time_to_deadline_seconds_gt', 3600, { deadline: deadlineIn(7200) }, { holds: true, reason: 'time_to_deadline=7200s > 3600s' }],
  ['time_to_deadline_seconds_gt', 3600, { deadline: deadlineIn(600) }, { holds: false, reason: 'time_to_deadline=600s <= 3600s' }],
  ['time_to_deadline_seconds_gt', 3600, {}, { holds: false, reason: 'deadline not declared' }],
  [
    'labels',
    { team: 'search', env: 'prod' },
    { labels: { env: 'prod', team: 'search', extra: 'x' } },
    { holds: true, reason: 'label env="prod", label team="search"' },
  ],
  ['labels', { team: 'search' }, { labels: { team: 'ads' } }, { holds: false, reason: 'label team="ads" != "search"' }],
  ['labels', { team: 'search' }, {}, { holds: false, reason: 'label team not set, rule wants "search"' }],
];

describe('rule conditions', () => {
  it.each(cases)('given %s: %j and a job with %j, then %j', (name, expected, spec, outcome) => {
    expect(checkCondition(name, expected!, factsOf(spec))).toEqual(outcome);
  });

  it('given tenant_plan_in, then the plan is matched exactly and quoted in the reason', () => {
    expect(checkCondition('tenant_plan_in', ['premium', 'enterprise'], factsOf({}, 'premium'))).toEqual({
      holds: true,
      reason: 'tenant_plan="premium" in ["premium", "enterprise"]',
    });
    expect(checkCondition('tenant_plan_in', ['premium'], factsOf({}, 'Premium'))).toEqual({
      holds: false,
      reason: 'tenant_plan="Premium" not in ["premium"]',
    });
  });
});
