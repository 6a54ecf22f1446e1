import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { parseTierPolicy } from './parse-tier-policy.js';
import { TierPolicyError, type TierPolicyIssue } from './tier-policy-error.js';

const VALID = `
version: "2026-11-24.1"
default_tier: TIER_STANDARD
rules:
  - id: interactive-inference
    tier: TIER_REALTIME
    when:
      kind_in: [WORKLOAD_KIND_INFERENCE]
      max_latency_ms_lte: 1000
`;

/** The issues a file is rejected with; fails the test if it is accepted. */
function issuesOf(text: string): readonly TierPolicyIssue[] {
  try {
    parseTierPolicy(text, 'policy.yaml');
  } catch (error) {
    if (error instanceof TierPolicyError) return error.issues;
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parseTierPolicy', () => {
  it('given a valid YAML policy, then it returns the policy as plain, frozen data', () => {
    const policy = parseTierPolicy(VALID, 'policy.yaml');

    expect(policy).toEqual({
      version: '2026-11-24.1',
      default_tier: api.Tier.TIER_STANDARD,
      rules: [
        {
          id: 'interactive-inference',
          tier: api.Tier.TIER_REALTIME,
          when: { kind_in: [api.WorkloadKind.WORKLOAD_KIND_INFERENCE], max_latency_ms_lte: 1000 },
        },
      ],
    });
    expect(Object.isFrozen(policy.rules[0]!.when)).toBe(true);
  });

  it('given the same policy as JSON, then it is accepted too', () => {
    const json = JSON.stringify({ version: 'v2', default_tier: 'TIER_BATCH', rules: [] });

    expect(parseTierPolicy(json, 'policy.json')).toEqual({ version: 'v2', default_tier: 'TIER_BATCH', rules: [] });
  });

  it('given an unknown tier, then the issue names the field, the value, the tiers allowed and the line', () => {
    expect(issuesOf(VALID.replace('tier: TIER_REALTIME', 'tier: TIER_FAST'))).toEqual([
      {
        path: 'rules[0].tier',
        message: 'unknown tier "TIER_FAST"; expected one of TIER_REALTIME, TIER_STANDARD, TIER_BATCH, TIER_TRAINING',
        line: 6,
        column: 11,
      },
    ]);
  });

  it('given an unknown condition, then the issue names it and where it is', () => {
    const issues = issuesOf(VALID.replace('max_latency_ms_lte: 1000', 'max_latency_ms_under: 1000'));

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'rules[0].when.max_latency_ms_under', line: 9, column: 7 });
    expect(issues[0]!.message).toMatch(/^unknown condition "max_latency_ms_under"; conditions: kind_in, /);
  });

  it('given an unknown workload kind in kind_in, then the issue points at the list entry', () => {
    expect(issuesOf(VALID.replace('[WORKLOAD_KIND_INFERENCE]', '[WORKLOAD_KIND_INFERENCE, WORKLOAD_KIND_GAMING]'))).toEqual([
      expect.objectContaining({
        path: 'rules[0].when.kind_in[1]',
        message: expect.stringMatching(/^unknown workload kind "WORKLOAD_KIND_GAMING"; expected one of /),
      }),
    ]);
  });

  it('given no version, then the issue says the version is missing', () => {
    expect(issuesOf(VALID.replace('version: "2026-11-24.1"\n', ''))).toEqual([
      expect.objectContaining({ path: 'version', message: 'missing required field' }),
    ]);
  });

  it('given an unquoted numeric version, then the issue asks to quote it', () => {
    expect(issuesOf(VALID.replace('"2026-11-24.1"', '2026.1'))).toEqual([
      expect.objectContaining({ path: 'version', message: expect.stringContaining('quote it') }),
    ]);
  });

  it('given two rules with one id, then the second is reported as a duplicate of the first', () => {
    const text = `${VALID}
  - id: interactive-inference
    tier: TIER_BATCH
    when:
      gpu_count_gte: 1
`;

    expect(issuesOf(text)).toEqual([
      {
        path: 'rules[1].id',
        message: 'duplicate rule id "interactive-inference" (first used by rules[0])',
        line: 11,
        column: 9,
      },
    ]);
  });

  it('given a duplicate id next to other mistakes, then all of them are reported at once', () => {
    const text = `${VALID.replace('tier: TIER_REALTIME', 'tier: TIER_FAST')}
  - id: interactive-inference
    tier: TIER_BATCH
    when:
      gpu_count_gte: -1
`;

    expect(issuesOf(text).map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['rules[0].tier', 'rules[1].when.gpu_count_gte', 'rules[1].id']),
    );
  });

  const mistakes: { name: string; text: string; path: string; message: RegExp }[] = [
    {
      name: 'a rule without conditions',
      text: VALID.replace(/when:[\s\S]*$/, 'when: {}\n'),
      path: 'rules[0].when',
      message: /at least one condition/,
    },
    {
      name: 'the reserved rule id "default"',
      text: VALID.replace('id: interactive-inference', 'id: default'),
      path: 'rules[0].id',
      message: /reserved/,
    },
    {
      name: 'a negative bound',
      text: VALID.replace('lte: 1000', 'lte: -5'),
      path: 'rules[0].when.max_latency_ms_lte',
      message: /0 or more/,
    },
    {
      name: 'a fractional bound',
      text: VALID.replace('lte: 1000', 'lte: 2.5'),
      path: 'rules[0].when.max_latency_ms_lte',
      message: /whole number/,
    },
    {
      name: 'a missing default tier',
      text: VALID.replace('default_tier: TIER_STANDARD\n', ''),
      path: 'default_tier',
      message: /missing required field/,
    },
    { name: 'an unknown top-level field', text: `${VALID}\nowner: sre\n`, path: 'owner', message: /unknown field "owner"/ },
  ];

  it.each(mistakes)('given $name, then the issue is at $path', ({ text, path, message }) => {
    expect(issuesOf(text)).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
  });

  it('given text that is not YAML, then the issue is the syntax error with its position', () => {
    const issues = issuesOf('version: "1"\nrules: [\n  - id: x');

    expect(issues[0]).toMatchObject({ path: '', line: expect.any(Number) });
  });

  it('given several issues, then the error message lists each with the file, line and column', () => {
    expect(() => parseTierPolicy('default_tier: TIER_NOPE\nrules: []\n', 'tier-policy.yaml')).toThrow(
      [
        'invalid tier policy tier-policy.yaml:',
        '  version (tier-policy.yaml:1:1): missing required field',
        '  default_tier (tier-policy.yaml:1:15): unknown tier "TIER_NOPE"; expected one of TIER_REALTIME, TIER_STANDARD, TIER_BATCH, TIER_TRAINING',
      ].join('\n'),
    );
  });
});
