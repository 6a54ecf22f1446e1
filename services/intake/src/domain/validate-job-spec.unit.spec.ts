import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import { SUBMITTED_AT, validSpec } from './job-spec.fixtures.js';
import { unknownDependencyViolations, validateIdempotencyKey, validateJobSpec } from './validate-job-spec.js';

const fieldsOf = (spec: api.JobSpec | undefined): string[] => validateJobSpec(spec, SUBMITTED_AT).map((v) => v.field);

describe('validateJobSpec', () => {
  it('accepts a complete spec', () => {
    expect(validateJobSpec(validSpec(), SUBMITTED_AT)).toEqual([]);
  });

  it('accepts an image reference instead of a model, and no deadline, regions, residency or cap', () => {
    const spec = validSpec({
      modelRef: undefined,
      imageRef: 'ghcr.io/acme/etl:1.2',
      deadline: undefined,
      allowedRegions: [],
      dataResidency: '',
      maxPriceBaseUnits: '0',
    });
    expect(validateJobSpec(spec, SUBMITTED_AT)).toEqual([]);
  });

  it('accepts a gang split over one operator and region', () => {
    expect(validateJobSpec(validSpec({ gpuCount: 16, gangDomain: api.GangDomain.GANG_DOMAIN_OPERATOR_REGION }), SUBMITTED_AT)).toEqual([]);
  });

  it('requires the spec itself', () => {
    expect(fieldsOf(undefined)).toEqual(['spec']);
  });

  it.each([
    ['an unspecified kind', { kind: api.WorkloadKind.WORKLOAD_KIND_UNSPECIFIED }, 'spec.kind'],
    ['neither model_ref nor image_ref', { modelRef: undefined, imageRef: undefined }, 'spec.model_ref'],
    ['an empty model_ref', { modelRef: '' }, 'spec.model_ref'],
    ['no GPU class', { gpuClass: '' }, 'spec.gpu_class'],
    ['zero GPUs', { gpuCount: 0 }, 'spec.gpu_count'],
    ['more GPUs than a job may ask for', { gpuCount: 65 }, 'spec.gpu_count'],
    ['a gang domain this version does not know', { gangDomain: api.GangDomain.UNRECOGNIZED }, 'spec.gang_domain'],
    ['a negative max price', { maxPriceBaseUnits: '-1' }, 'spec.max_price_base_units'],
    ['a max price that is not an integer', { maxPriceBaseUnits: '1.5' }, 'spec.max_price_base_units'],
    ['a max price beyond int64', { maxPriceBaseUnits: '9223372036854775808' }, 'spec.max_price_base_units'],
    ['a zero estimated duration', { estimatedDurationSeconds: 0 }, 'spec.estimated_duration_seconds'],
    ['an estimated duration over 90 days', { estimatedDurationSeconds: 90 * 86_400 + 1 }, 'spec.estimated_duration_seconds'],
    ['a latency bound over a day', { maxLatencyMs: 86_400_001 }, 'spec.max_latency_ms'],
    ['more VRAM per GPU than any GPU has', { minVramGib: 1025 }, 'spec.min_vram_gib'],
    ['a region that is not a region name', { allowedRegions: ['eu-west', 'Europe West'] }, 'spec.allowed_regions[1]'],
    ['a lowercase residency', { dataResidency: 'eu' }, 'spec.data_residency'],
    ['a label key with spaces', { labels: { 'cost centre': 'x' } }, 'spec.labels["cost centre"]'],
  ])('names the field for %s', (_case, overrides, field) => {
    expect(fieldsOf(validSpec(overrides))).toEqual([field]);
  });

  const weights = {
    digest: `sha256:${'a'.repeat(64)}`,
    kind: api.DataKind.DATA_KIND_MODEL_WEIGHTS,
    sizeBytes: '16000000000',
    locality: api.Locality.LOCALITY_PREFERRED,
  };
  const dataset = {
    digest: `sha256:${'b'.repeat(64)}`,
    kind: api.DataKind.DATA_KIND_DATASET,
    sizeBytes: '18446744073709551615',
    locality: api.Locality.LOCALITY_REQUIRED,
  };

  it('accepts content-addressed inputs, preferred or required, up to uint64 sizes', () => {
    expect(validateJobSpec(validSpec({ inputs: [weights, dataset] }), SUBMITTED_AT)).toEqual([]);
  });

  it.each([
    ['a digest that is not sha256', [{ ...weights, digest: 'md5:abc' }], ['spec.inputs[0].digest']],
    ['an uppercase digest', [{ ...weights, digest: `sha256:${'A'.repeat(64)}` }], ['spec.inputs[0].digest']],
    ['a digest listed twice', [weights, { ...dataset, digest: weights.digest }], ['spec.inputs[1].digest']],
    ['no kind', [{ ...weights, kind: api.DataKind.DATA_KIND_UNSPECIFIED }], ['spec.inputs[0].kind']],
    ['a zero size', [{ ...weights, sizeBytes: '0' }], ['spec.inputs[0].size_bytes']],
    ['a size beyond uint64', [{ ...weights, sizeBytes: '18446744073709551616' }], ['spec.inputs[0].size_bytes']],
    ['an unknown locality', [{ ...weights, locality: 'LOCALITY_SOMEWHERE' as api.Locality }], ['spec.inputs[0].locality']],
    [
      'more than 32 inputs',
      Array.from({ length: 33 }, (_, i) => ({ ...weights, digest: `sha256:${i.toString(16).padStart(64, '0')}` })),
      ['spec.inputs'],
    ],
  ])('names the input field for %s', (_case, inputs, fields) => {
    expect(fieldsOf(validSpec({ inputs }))).toEqual(fields);
  });

  const upstream = '0190c3a0-0000-7000-8000-00000000000a';
  it.each([
    ['a job id that is not a UUID', [{ jobId: 'job-1', outputSizeBytes: '0' }], ['spec.depends_on[0].job_id']],
    ['an uppercase UUID', [{ jobId: upstream.toUpperCase(), outputSizeBytes: '0' }], ['spec.depends_on[0].job_id']],
    [
      'a job listed twice',
      [
        { jobId: upstream, outputSizeBytes: '1' },
        { jobId: upstream, outputSizeBytes: '2' },
      ],
      ['spec.depends_on[1].job_id'],
    ],
    [
      'an output size beyond uint64',
      [{ jobId: upstream, outputSizeBytes: '18446744073709551616' }],
      ['spec.depends_on[0].output_size_bytes'],
    ],
    [
      'more than 16 dependencies',
      Array.from({ length: 17 }, (_, i) => ({
        jobId: `0190c3a0-0000-7000-8000-${i.toString(16).padStart(12, '0')}`,
        outputSizeBytes: '0',
      })),
      ['spec.depends_on'],
    ],
  ])('names the dependency field for %s', (_case, dependsOn, fields) => {
    expect(fieldsOf(validSpec({ dependsOn }))).toEqual(fields);
  });

  it('accepts dependencies of the tenant, and names those that are not its jobs', () => {
    const spec = validSpec({ dependsOn: [{ jobId: upstream, outputSizeBytes: '5' }] });
    expect(validateJobSpec(spec, SUBMITTED_AT)).toEqual([]);
    expect(unknownDependencyViolations(spec, 'acme', new Map([[upstream, 'acme']]))).toEqual([]);
    expect(unknownDependencyViolations(spec, 'acme', new Map([[upstream, 'globex']]))).toEqual([
      { field: 'spec.depends_on[0].job_id', description: `names no job of this tenant (${upstream})` },
    ]);
    expect(unknownDependencyViolations(spec, 'acme', new Map()).map((v) => v.field)).toEqual(['spec.depends_on[0].job_id']);
  });

  it('rejects a deadline at or before the submission time, not the current time', () => {
    const atSubmission = { seconds: String(SUBMITTED_AT.getTime() / 1000), nanos: 0 };
    expect(validateJobSpec(validSpec({ deadline: atSubmission }), SUBMITTED_AT)).toEqual([
      { field: 'spec.deadline', description: 'must be after the submission time (2026-11-24T12:00:00.000Z)' },
    ]);
    const oneMsLater = { seconds: atSubmission.seconds, nanos: 1_000_000 };
    expect(validateJobSpec(validSpec({ deadline: oneMsLater }), SUBMITTED_AT)).toEqual([]);
  });

  it('rejects a deadline outside the protobuf Timestamp range (after 9999-12-31T23:59:59Z), naming the field', () => {
    const outside = 'is outside the protobuf Timestamp range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)';
    expect(validateJobSpec(validSpec({ deadline: { seconds: '253402300800', nanos: 0 } }), SUBMITTED_AT)).toEqual([
      { field: 'spec.deadline', description: outside },
    ]);
    expect(validateJobSpec(validSpec({ deadline: { seconds: '99999999999999', nanos: 0 } }), SUBMITTED_AT)).toEqual([
      { field: 'spec.deadline', description: outside },
    ]);
    expect(validateJobSpec(validSpec({ deadline: { seconds: '253402300799', nanos: 999_999_999 } }), SUBMITTED_AT)).toEqual([]);
    expect(validateJobSpec(validSpec({ deadline: { seconds: '1900000000', nanos: 1_000_000_000 } }), SUBMITTED_AT)[0]?.field).toBe(
      'spec.deadline',
    );
  });

  it('reports every violation at once', () => {
    expect(fieldsOf(validSpec({ kind: api.WorkloadKind.WORKLOAD_KIND_UNSPECIFIED, gpuCount: 0, estimatedDurationSeconds: 0 }))).toEqual([
      'spec.kind',
      'spec.gpu_count',
      'spec.estimated_duration_seconds',
    ]);
  });
});

describe('validateIdempotencyKey', () => {
  it('requires a key of at most 128 printable characters', () => {
    expect(validateIdempotencyKey('order-42')).toEqual([]);
    expect(validateIdempotencyKey('')).toEqual([{ field: 'idempotency_key', description: 'is required' }]);
    expect(validateIdempotencyKey('k'.repeat(129))).toEqual([{ field: 'idempotency_key', description: 'must be at most 128 characters' }]);
    expect(validateIdempotencyKey('has space')[0]?.field).toBe('idempotency_key');
  });
});
