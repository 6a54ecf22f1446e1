import { z } from 'zod';
import { CLASSIFIABLE_TIERS, CONDITION_NAMES, DEFAULT_RULE_ID, WORKLOAD_KIND_NAMES, type TierPolicy } from '../domain/index.js';

const count = z.int({ error: 'expected a whole number' }).min(0, 'must be 0 or more');
const seconds = count;

// Error functions return undefined for a missing field: the loader reports it as missing.
const tier = z.enum(CLASSIFIABLE_TIERS, {
  error: (issue) =>
    issue.input === undefined ? undefined : `unknown tier ${JSON.stringify(issue.input)}; expected one of ${CLASSIFIABLE_TIERS.join(', ')}`,
});

const workloadKind = z.enum(WORKLOAD_KIND_NAMES, {
  error: (issue) =>
    issue.input === undefined
      ? undefined
      : `unknown workload kind ${JSON.stringify(issue.input)}; expected one of ${WORKLOAD_KIND_NAMES.join(', ')}`,
});

const conditions = z
  .strictObject({
    kind_in: z.array(workloadKind).min(1),
    tenant_plan_in: z.array(z.string().min(1)).min(1),
    max_latency_declared: z.boolean(),
    max_latency_ms_lte: count,
    max_latency_ms_gt: count,
    gpu_count_gte: count,
    estimated_duration_seconds_gte: seconds,
    estimated_duration_seconds_lte: seconds,
    deadline_declared: z.boolean(),
    time_to_deadline_seconds_lte: seconds,
    time_to_deadline_seconds_gt: seconds,
    labels: z
      .record(z.string().min(1), z.string())
      .refine((labels) => Object.keys(labels).length > 0, 'list at least one label, or leave the condition out'),
  })
  .partial()
  .refine((when) => Object.keys(when).length > 0, {
    message: `a rule needs at least one condition (a catch-all is the policy's default_tier); conditions: ${CONDITION_NAMES.join(', ')}`,
  });

const rule = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'rule ids are lower-case letters, digits, ".", "_" and "-"')
    .refine((id) => id !== DEFAULT_RULE_ID, `"${DEFAULT_RULE_ID}" is reserved for jobs no rule matched`),
  description: z.string().optional(),
  tier,
  when: conditions,
});

// Runs even when some rule is invalid (`when`), so one pass reports duplicates with the rest.
const rules = z.array(rule).superRefine(
  (all, ctx) => {
    const firstIndexOf = new Map<string, number>();
    all.forEach((entry, index) => {
      const id: unknown = (entry as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return;
      const first = firstIndexOf.get(id);
      if (first === undefined) firstIndexOf.set(id, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate rule id "${id}" (first used by rules[${first}])` });
    });
  },
  { when: (payload) => Array.isArray(payload.value) },
);

/** The policy file's schema. Unknown fields are errors: a misspelt condition must not be ignored. */
export const tierPolicySchema: z.ZodType<TierPolicy> = z.strictObject({
  version: z
    .string({ error: (issue) => (issue.input === undefined ? undefined : 'version must be a string; quote it, e.g. "2026-11-24.1"') })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'version is letters, digits, ".", "_" and "-" (it names the archived file)'),
  description: z.string().optional(),
  default_tier: tier,
  rules,
});
