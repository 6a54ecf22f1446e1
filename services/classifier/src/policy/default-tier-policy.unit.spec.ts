import { beforeAll, describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import { classifyJob, type TierPolicy } from '../domain/index.js';
import { defaultTierPolicyPath, loadTierPolicy } from './load-tier-policy.js';

const { Tier, WorkloadKind } = api;
const SUBMITTED_SECONDS = 1_795_000_000;
const HOUR = 3600;

function jobSubmitted(spec: Partial<api.JobSpec>, tenantPlan = 'standard'): events.JobSubmitted {
  return events.JobSubmitted.fromPartial({
    jobId: 'job-1',
    tenantId: 'tenant-a',
    tenantPlan,
    submittedAt: { seconds: String(SUBMITTED_SECONDS), nanos: 0 },
    spec: { gpuClass: 'a100-80g', gpuCount: 1, estimatedDurationSeconds: 60, ...spec },
  });
}

function deadlineIn(seconds: number): api.Timestamp {
  return { seconds: String(SUBMITTED_SECONDS + seconds), nanos: 0 };
}

describe('the shipped tier policy (policy/tier-policy.yaml)', () => {
  let policy: TierPolicy;

  beforeAll(async () => {
    policy = await loadTierPolicy(defaultTierPolicyPath);
  });

  it('is valid, versioned, and defaults to STANDARD', () => {
    expect(policy.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
    expect(policy.default_tier).toBe(Tier.TIER_STANDARD);
  });

  // Given a submitted job, when classified under the shipped policy, then this rule and tier.
  const rows: [string, events.JobSubmitted, string, api.Tier][] = [
    ['a training run', jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_TRAINING, gpuCount: 8 }), 'training-workload', Tier.TIER_TRAINING],
    [
      'a training run that declares a tight latency bound',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_TRAINING, maxLatencyMs: 100 }),
      'training-workload',
      Tier.TIER_TRAINING,
    ],
    [
      'interactive inference bounded at 1000 ms',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_INFERENCE, maxLatencyMs: 1000 }),
      'interactive-inference',
      Tier.TIER_REALTIME,
    ],
    [
      'interactive inference bounded at 2500 ms on a premium plan',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_INFERENCE, maxLatencyMs: 2500 }, 'premium'),
      'premium-interactive-inference',
      Tier.TIER_REALTIME,
    ],
    [
      'interactive inference bounded at 2500 ms on a standard plan',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_INFERENCE, maxLatencyMs: 2500 }),
      'default',
      Tier.TIER_STANDARD,
    ],
    [
      'interactive inference without a latency bound',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_INFERENCE }),
      'default',
      Tier.TIER_STANDARD,
    ],
    [
      'batch inference on 8 GPUs for 6 hours',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE, gpuCount: 8, estimatedDurationSeconds: 6 * HOUR }),
      'multi-gpu-long-run',
      Tier.TIER_TRAINING,
    ],
    [
      'batch inference with a 30 s latency bound',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE, maxLatencyMs: 30_000 }),
      'bulk-work-with-latency-bound',
      Tier.TIER_STANDARD,
    ],
    [
      'a pipeline step due 2 hours after submission',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP, deadline: deadlineIn(2 * HOUR) }),
      'bulk-work-due-soon',
      Tier.TIER_STANDARD,
    ],
    [
      'a pipeline step due 2 days after submission',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP, deadline: deadlineIn(48 * HOUR) }),
      'latency-tolerant-bulk-work',
      Tier.TIER_BATCH,
    ],
    [
      'batch inference with neither a bound nor a deadline',
      jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE }),
      'latency-tolerant-bulk-work',
      Tier.TIER_BATCH,
    ],
  ];

  const cases = rows.map(([name, submitted, ruleId, tier]) => ({ name, submitted, ruleId, tier }));

  it.each(cases)('given $name, then rule $ruleId puts it in $tier', ({ submitted, ruleId, tier }) => {
    const classified = classifyJob(submitted, policy);

    expect(classified.matchedRuleId).toBe(ruleId);
    expect(classified.tier).toBe(tier);
    expect(classified.policyVersion).toBe(policy.version);
  });

  it('given interactive inference bounded at 200 ms, then the reasons name the kind and the bound', () => {
    const classified = classifyJob(jobSubmitted({ kind: WorkloadKind.WORKLOAD_KIND_INFERENCE, maxLatencyMs: 200 }), policy);

    expect(classified.reasons).toEqual(['kind=WORKLOAD_KIND_INFERENCE in [WORKLOAD_KIND_INFERENCE]', 'max_latency_ms=200 <= 1000']);
  });
});
