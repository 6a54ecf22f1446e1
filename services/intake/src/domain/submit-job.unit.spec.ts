import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import { SUBMITTED_AT, validSpec } from './job-spec.fixtures.js';
import { specFingerprint } from './spec-fingerprint.js';
import { decideSubmitJob, type SubmitJobCommand } from './submit-job.js';

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

describe('specFingerprint', () => {
  it('ignores label and region order, and changes with any field', () => {
    const a = validSpec({ labels: { a: '1', b: '2' }, allowedRegions: ['eu-west', 'us-east-1'] });
    const b = validSpec({ labels: { b: '2', a: '1' }, allowedRegions: ['us-east-1', 'eu-west'] });
    expect(specFingerprint(a)).toBe(specFingerprint(b));
    expect(specFingerprint(validSpec({ minVramGib: 41 }))).not.toBe(specFingerprint(validSpec()));
    expect(specFingerprint(validSpec({ kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING }))).not.toBe(specFingerprint(validSpec()));
  });
});
