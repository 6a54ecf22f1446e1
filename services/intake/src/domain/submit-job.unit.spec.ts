import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import { SUBMITTED_AT, validSpec } from './job-spec.fixtures.js';
import { specFingerprint } from './spec-fingerprint.js';
import { decideSubmission, decideSubmitJob, type SubmissionContext, type SubmitJobCommand } from './submit-job.js';

const tenant = { id: 'acme', plan: 'enterprise' };

function command(overrides: Partial<SubmitJobCommand> = {}): SubmitJobCommand {
  const spec = overrides.spec === undefined && 'spec' in overrides ? undefined : (overrides.spec ?? validSpec());
  return {
    tenant,
    idempotencyKey: 'order-42',
    jobId: '0193a0b4-0000-7000-8000-000000000001',
    submittedAt: SUBMITTED_AT,
    ...overrides,
    spec,
    fingerprint: spec ? specFingerprint(spec) : '',
  };
}

describe('decideSubmitJob', () => {
  it('given no earlier submission, when the spec is valid, then JobSubmitted carries tenant, plan, spec and time', () => {
    expect(decideSubmitJob(command(), undefined)).toEqual({
      kind: 'accepted',
      event: {
        jobId: '0193a0b4-0000-7000-8000-000000000001',
        tenantId: 'acme',
        tenantPlan: 'enterprise',
        spec: validSpec(),
        idempotencyKey: 'order-42',
        quote: undefined,
        submittedAt: { seconds: String(SUBMITTED_AT.getTime() / 1000), nanos: 0 },
      },
    });
  });

  it('given an earlier submission with the same spec, then the earlier job is returned and nothing is emitted', () => {
    const prior = { jobId: 'job-1', fingerprint: specFingerprint(validSpec()) };
    expect(decideSubmitJob(command(), prior)).toEqual({ kind: 'duplicate', jobId: 'job-1' });
  });

  it('given an earlier submission with another spec, then it is a conflict', () => {
    const prior = { jobId: 'job-1', fingerprint: specFingerprint(validSpec({ gpuCount: 2 })) };
    expect(decideSubmitJob(command(), prior)).toEqual({ kind: 'conflict', jobId: 'job-1' });
  });

  it('given an earlier submission, a retry after its deadline passed still gets the job back', () => {
    const prior = { jobId: 'job-1', fingerprint: specFingerprint(validSpec()) };
    expect(decideSubmitJob(command({ submittedAt: new Date('2030-01-01T00:00:00Z') }), prior).kind).toBe('duplicate');
  });

  it('when the spec is invalid, then every violation is returned', () => {
    const decision = decideSubmitJob(command({ spec: validSpec({ gpuCount: 0 }) }), undefined);
    expect(decision).toEqual({ kind: 'invalid', violations: [{ field: 'spec.gpu_count', description: 'must be >= 1' }] });
  });

  it('when the key is missing, then the key and the spec are both reported', () => {
    const decision = decideSubmitJob(command({ idempotencyKey: '', spec: undefined }), undefined);
    expect(decision.kind === 'invalid' && decision.violations.map((v) => v.field)).toEqual(['idempotency_key', 'spec']);
  });
});

describe('decideSubmission', () => {
  const quote = { rateCardVersion: 'rc-1', prices: [] } as unknown as api.Quote;
  const context = (overrides: Partial<SubmissionContext> = {}): SubmissionContext => ({
    prior: undefined,
    quote,
    worstCaseBaseUnits: 600n,
    capBaseUnits: 1_000n,
    committedBaseUnits: 400n,
    dependencyViolations: [],
    ...overrides,
  });

  it('given a quote that fits in what is left of the cap, then JobSubmitted carries the quote and the worst case is committed', () => {
    const decision = decideSubmission(command(), context());
    expect(decision.kind === 'accepted' && { quote: decision.event.quote, worstCase: decision.worstCaseBaseUnits }).toEqual({
      quote,
      worstCase: 600n,
    });
  });

  it('given a worst case past what is left of the cap, then over-cap with the numbers', () => {
    expect(decideSubmission(command(), context({ worstCaseBaseUnits: 601n }))).toEqual({
      kind: 'over-cap',
      capBaseUnits: 1_000n,
      committedBaseUnits: 400n,
      quoteBaseUnits: 601n,
    });
  });

  it('a tenant without a cap is never over it', () => {
    expect(decideSubmission(command(), context({ capBaseUnits: undefined, committedBaseUnits: 10n ** 20n })).kind).toBe('accepted');
  });

  it("given dependencies that are not the tenant's jobs, then invalid with those fields, before the cap", () => {
    const violation = { field: 'spec.depends_on[0].job_id', description: 'is not a job of this tenant' };
    expect(decideSubmission(command(), context({ dependencyViolations: [violation], worstCaseBaseUnits: 10n ** 9n }))).toEqual({
      kind: 'invalid',
      violations: [violation],
    });
  });

  it('a retry of an accepted submission is a duplicate even when the cap is now spent', () => {
    const prior = { jobId: 'job-1', fingerprint: specFingerprint(validSpec()) };
    expect(decideSubmission(command(), context({ prior, committedBaseUnits: 1_000n }))).toEqual({ kind: 'duplicate', jobId: 'job-1' });
  });
});

describe('specFingerprint', () => {
  it('ignores label and region order, and changes with any field', () => {
    const a = validSpec({ labels: { a: '1', b: '2' }, allowedRegions: ['eu-west', 'us-east-1'] });
    const b = validSpec({ labels: { b: '2', a: '1' }, allowedRegions: ['us-east-1', 'eu-west'] });
    expect(specFingerprint(a)).toBe(specFingerprint(b));
    expect(specFingerprint(validSpec({ minVramGib: 41 }))).not.toBe(specFingerprint(validSpec()));
    expect(specFingerprint(validSpec({ kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING }))).not.toBe(specFingerprint(validSpec()));
  });
});
