// Which parts of a submission are invalid, as field violations with proto field paths. Pure:
// the submission time is an input, so "deadline in the past" is decided against it, not a clock.
import { isDigest, MAX_JOB_DEPENDENCIES, MAX_JOB_INPUTS, timestampProblem, type api } from '@switchyard/contracts/messages';
import type { FieldViolation } from './field-violation.js';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
export const MAX_GPU_COUNT = 64;
export const MAX_VRAM_GIB = 1024;
/** A day: a bound above that is no latency bound. */
export const MAX_LATENCY_MS = 86_400_000;
/** 90 days: longer runs are split into checkpointed jobs. */
export const MAX_DURATION_SECONDS = 90 * 86_400;
const MAX_REF_LENGTH = 512;
const MAX_LABELS = 64;
const INT64_MAX = 9223372036854775807n;

const KINDS: ReadonlySet<string> = new Set([
  'WORKLOAD_KIND_INFERENCE',
  'WORKLOAD_KIND_BATCH_INFERENCE',
  'WORKLOAD_KIND_TRAINING',
  'WORKLOAD_KIND_PIPELINE_STEP',
]);
// Lowercase provider region names such as "eu-west", "us-east-1", "ap-southeast-2".
const REGION = /^[a-z]{2,12}(-[a-z]{2,16})+(-?[0-9]{1,2})?$/;
const GPU_CLASS = /^[a-z0-9][a-z0-9-]{0,63}$/;
// ISO 3166 country or a bloc code such as "EU".
const RESIDENCY = /^[A-Z]{2,3}$/;
const LABEL_KEY = /^[a-z0-9]([a-z0-9_./-]{0,62}[a-z0-9])?$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

export function validateIdempotencyKey(key: string): FieldViolation[] {
  if (key.length === 0) return [{ field: 'idempotency_key', description: 'is required' }];
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return [{ field: 'idempotency_key', description: `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }];
  }
  if (!PRINTABLE_ASCII.test(key)) return [{ field: 'idempotency_key', description: 'must be printable ASCII without spaces' }];
  return [];
}

/** Every violation of `spec` (absent counts as one), relative to the submission time. */
export function validateJobSpec(spec: api.JobSpec | undefined, submittedAt: Date): FieldViolation[] {
  if (spec === undefined) return [{ field: 'spec', description: 'is required' }];
  return [
    ...kindViolations(spec),
    ...workloadViolations(spec),
    ...gpuViolations(spec),
    ...deadlineViolations(spec, submittedAt),
    ...regionViolations(spec),
    ...priceViolations(spec),
    ...durationViolations(spec),
    ...labelViolations(spec),
    ...inputViolations(spec),
    ...dependencyViolations(spec),
  ];
}

const GANG_DOMAINS: ReadonlySet<string> = new Set(['GANG_DOMAIN_UNSPECIFIED', 'GANG_DOMAIN_PROVIDER', 'GANG_DOMAIN_OPERATOR_REGION']);
const DATA_KINDS: ReadonlySet<string> = new Set(['DATA_KIND_MODEL_WEIGHTS', 'DATA_KIND_DATASET']);
const LOCALITIES: ReadonlySet<string> = new Set(['LOCALITY_UNSPECIFIED', 'LOCALITY_PREFERRED', 'LOCALITY_REQUIRED']);
const UINT64_MAX = 18_446_744_073_709_551_615n;

/** Inputs: content-addressed, typed, sized, each digest once, at most MAX_JOB_INPUTS. */
function inputViolations(spec: api.JobSpec): FieldViolation[] {
  const inputs = spec.inputs ?? [];
  if (inputs.length > MAX_JOB_INPUTS) return [{ field: 'spec.inputs', description: `must have at most ${MAX_JOB_INPUTS} entries` }];
  const seen = new Map<string, number>();
  return inputs.flatMap((input, i): FieldViolation[] => {
    const at = `spec.inputs[${i}]`;
    const violations: FieldViolation[] = [];
    if (!isDigest(input.digest))
      violations.push({ field: `${at}.digest`, description: 'must be a content address: "sha256:" and 64 lowercase hex digits' });
    else if (seen.has(input.digest))
      violations.push({ field: `${at}.digest`, description: `repeats spec.inputs[${seen.get(input.digest)}]` });
    else seen.set(input.digest, i);
    if (!DATA_KINDS.has(input.kind)) violations.push({ field: `${at}.kind`, description: `must be one of ${[...DATA_KINDS].join(', ')}` });
    const size = String(input.sizeBytes ?? '');
    if (!/^\d{1,20}$/.test(size) || BigInt(size) > UINT64_MAX)
      violations.push({ field: `${at}.size_bytes`, description: 'must be a uint64 number of bytes' });
    else if (BigInt(size) < 1n)
      violations.push({ field: `${at}.size_bytes`, description: 'must be >= 1 (the bytes a provider without it fetches)' });
    if (!LOCALITIES.has(input.locality))
      violations.push({ field: `${at}.locality`, description: `must be one of ${[...LOCALITIES].join(', ')}` });
    return violations;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Dependencies, as far as the spec alone can tell: job ids (lowercase UUIDs), each once, with a
 * uint64 output size, at most MAX_JOB_DEPENDENCIES. Whether each is a job of the tenant is decided
 * against the stored jobs (unknownDependencyViolations).
 */
function dependencyViolations(spec: api.JobSpec): FieldViolation[] {
  const dependencies = spec.dependsOn ?? [];
  if (dependencies.length > MAX_JOB_DEPENDENCIES)
    return [{ field: 'spec.depends_on', description: `must have at most ${MAX_JOB_DEPENDENCIES} entries` }];
  const seen = new Map<string, number>();
  return dependencies.flatMap((dependency, i): FieldViolation[] => {
    const at = `spec.depends_on[${i}]`;
    const violations: FieldViolation[] = [];
    if (!UUID.test(dependency.jobId)) violations.push({ field: `${at}.job_id`, description: 'must be a job id (a lowercase UUID)' });
    else if (seen.has(dependency.jobId))
      violations.push({ field: `${at}.job_id`, description: `repeats spec.depends_on[${seen.get(dependency.jobId)}]` });
    else seen.set(dependency.jobId, i);
    const size = String(dependency.outputSizeBytes ?? '');
    if (!/^\d{1,20}$/.test(size) || BigInt(size) > UINT64_MAX)
      violations.push({ field: `${at}.output_size_bytes`, description: 'must be a uint64 number of bytes' });
    return violations;
  });
}

/** The dependencies that are not jobs of `tenantId`: `known` maps the stored jobs among them to their tenants. */
export function unknownDependencyViolations(spec: api.JobSpec, tenantId: string, known: ReadonlyMap<string, string>): FieldViolation[] {
  return (spec.dependsOn ?? []).flatMap((dependency, i): FieldViolation[] =>
    known.get(dependency.jobId) === tenantId
      ? []
      : [{ field: `spec.depends_on[${i}].job_id`, description: `names no job of this tenant (${dependency.jobId})` }],
  );
}

function kindViolations(spec: api.JobSpec): FieldViolation[] {
  if (KINDS.has(spec.kind)) return [];
  return [{ field: 'spec.kind', description: `must be one of ${[...KINDS].join(', ')}` }];
}

function workloadViolations(spec: api.JobSpec): FieldViolation[] {
  const modelRef = spec.modelRef ?? '';
  const imageRef = spec.imageRef ?? '';
  if (modelRef === '' && imageRef === '') {
    return [{ field: 'spec.model_ref', description: 'one of spec.model_ref or spec.image_ref is required' }];
  }
  const [field, value] = modelRef !== '' ? ['spec.model_ref', modelRef] : ['spec.image_ref', imageRef];
  if (value.length > MAX_REF_LENGTH) return [{ field, description: `must be at most ${MAX_REF_LENGTH} characters` }];
  if (/\s/.test(value)) return [{ field, description: 'must not contain whitespace' }];
  return [];
}

function gpuViolations(spec: api.JobSpec): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (!GPU_CLASS.test(spec.gpuClass)) {
    violations.push({ field: 'spec.gpu_class', description: 'is required: a lowercase GPU class name such as "h100-80g"' });
  }
  if (spec.minVramGib > MAX_VRAM_GIB) violations.push({ field: 'spec.min_vram_gib', description: `must be <= ${MAX_VRAM_GIB}` });
  if (spec.gpuCount < 1) violations.push({ field: 'spec.gpu_count', description: 'must be >= 1' });
  else if (spec.gpuCount > MAX_GPU_COUNT) violations.push({ field: 'spec.gpu_count', description: `must be <= ${MAX_GPU_COUNT}` });
  if (spec.gangDomain !== undefined && !GANG_DOMAINS.has(spec.gangDomain)) {
    violations.push({ field: 'spec.gang_domain', description: `must be one of ${[...GANG_DOMAINS].join(', ')}` });
  }
  return violations;
}

function durationViolations(spec: api.JobSpec): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (spec.maxLatencyMs > MAX_LATENCY_MS)
    violations.push({ field: 'spec.max_latency_ms', description: `must be <= ${MAX_LATENCY_MS} (0 means none)` });
  if (spec.estimatedDurationSeconds < 1)
    violations.push({ field: 'spec.estimated_duration_seconds', description: 'must be >= 1 (seconds)' });
  else if (spec.estimatedDurationSeconds > MAX_DURATION_SECONDS) {
    violations.push({ field: 'spec.estimated_duration_seconds', description: `must be <= ${MAX_DURATION_SECONDS} (90 days)` });
  }
  return violations;
}

function deadlineViolations(spec: api.JobSpec, submittedAt: Date): FieldViolation[] {
  const deadline = spec.deadline;
  if (deadline === undefined) return [];
  const problem = timestampProblem(deadline);
  if (problem !== undefined) return [{ field: 'spec.deadline', description: problem }];
  const deadlineMs = Number(deadline.seconds) * 1000 + deadline.nanos / 1_000_000;
  if (deadlineMs <= submittedAt.getTime()) {
    return [{ field: 'spec.deadline', description: `must be after the submission time (${submittedAt.toISOString()})` }];
  }
  return [];
}

function regionViolations(spec: api.JobSpec): FieldViolation[] {
  const violations: FieldViolation[] = spec.allowedRegions.flatMap((region, i) =>
    REGION.test(region)
      ? []
      : [{ field: `spec.allowed_regions[${i}]`, description: `"${region}" is not a region name such as "eu-west" or "us-east-1"` }],
  );
  if (spec.dataResidency !== '' && !RESIDENCY.test(spec.dataResidency)) {
    violations.push({
      field: 'spec.data_residency',
      description: 'must be a 2- or 3-letter uppercase jurisdiction code such as "EU" or "US"',
    });
  }
  return violations;
}

function priceViolations(spec: api.JobSpec): FieldViolation[] {
  const price = spec.maxPriceBaseUnits;
  if (!/^-?\d+$/.test(price)) return [{ field: 'spec.max_price_base_units', description: 'must be an integer number of base units' }];
  const value = BigInt(price);
  if (value < 0n) return [{ field: 'spec.max_price_base_units', description: 'must be >= 0 (0 means no cap)' }];
  if (value > INT64_MAX) return [{ field: 'spec.max_price_base_units', description: 'must fit in int64' }];
  return [];
}

function labelViolations(spec: api.JobSpec): FieldViolation[] {
  const keys = Object.keys(spec.labels);
  if (keys.length > MAX_LABELS) return [{ field: 'spec.labels', description: `must have at most ${MAX_LABELS} entries` }];
  return keys.flatMap((key) =>
    LABEL_KEY.test(key)
      ? []
      : [{ field: `spec.labels[${JSON.stringify(key)}]`, description: 'key must be lowercase alphanumerics, "-", "_", "." or "/"' }],
  );
}
