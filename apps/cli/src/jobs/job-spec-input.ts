// A JobSpec from a spec file (YAML or JSON, JobSpec's protobuf JSON field names) and/or flags;
// flags win over the file, so one file can serve several submissions.
import { readFile } from 'node:fs/promises';
import { api } from '@switchyard/contracts/messages';
import { usageError } from '../cli-error.js';

export interface SpecFlags {
  spec?: string;
  kind?: string;
  model?: string;
  image?: string;
  gpuClass?: string;
  gpus?: string;
  minVram?: string;
  maxLatencyMs?: string;
  deadline?: string;
  region?: string[];
  residency?: string;
  maxPrice?: string;
  duration?: string;
  label?: string[];
  /** `<job id>` or `<job id>:<output bytes>`, once per job this one depends on. */
  dependsOn?: string[];
  /** Where the GPUs must be: `provider` (all on one) or `operator-region` (split over one operator's providers in one region). */
  gang?: string;
}

const GANG_DOMAINS: Readonly<Record<string, api.GangDomain>> = {
  provider: api.GangDomain.GANG_DOMAIN_PROVIDER,
  'operator-region': api.GangDomain.GANG_DOMAIN_OPERATOR_REGION,
};

export const GANG_DOMAIN_NAMES = Object.keys(GANG_DOMAINS);

const KINDS: Readonly<Record<string, api.WorkloadKind>> = {
  inference: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
  'batch-inference': api.WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE,
  training: api.WorkloadKind.WORKLOAD_KIND_TRAINING,
  'pipeline-step': api.WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP,
};

export const KIND_NAMES = Object.keys(KINDS);

export async function jobSpecFrom(flags: SpecFlags): Promise<api.JobSpec> {
  const base = flags.spec === undefined ? {} : await specFile(flags.spec);
  const json: Record<string, unknown> = { ...base };
  if (flags.kind !== undefined) {
    const kind = KINDS[flags.kind] ?? (Object.values(KINDS).includes(flags.kind as api.WorkloadKind) ? flags.kind : undefined);
    if (kind === undefined) throw usageError(`--kind must be one of ${KIND_NAMES.join(', ')}, not "${flags.kind}"`);
    json.kind = kind;
  }
  if (flags.model !== undefined) json.modelRef = flags.model;
  if (flags.image !== undefined) json.imageRef = flags.image;
  if (flags.gpuClass !== undefined) json.gpuClass = flags.gpuClass;
  if (flags.gpus !== undefined) json.gpuCount = whole('--gpus', flags.gpus);
  if (flags.minVram !== undefined) json.minVramGib = whole('--min-vram', flags.minVram);
  if (flags.maxLatencyMs !== undefined) json.maxLatencyMs = whole('--max-latency-ms', flags.maxLatencyMs);
  if (flags.duration !== undefined) json.estimatedDurationSeconds = whole('--duration', flags.duration);
  if (flags.maxPrice !== undefined) json.maxPriceBaseUnits = String(wholeBig('--max-price', flags.maxPrice));
  if (flags.residency !== undefined) json.dataResidency = flags.residency;
  if (flags.region !== undefined) json.allowedRegions = flags.region;
  if (flags.deadline !== undefined) {
    if (Number.isNaN(Date.parse(flags.deadline))) throw usageError(`--deadline must be an RFC 3339 time, not "${flags.deadline}"`);
    json.deadline = new Date(flags.deadline).toISOString();
  }
  if (flags.label !== undefined) {
    json.labels = {
      ...(json.labels as object | undefined),
      ...Object.fromEntries(
        flags.label.map((pair) => {
          const at = pair.indexOf('=');
          if (at <= 0) throw usageError(`--label must be key=value, not "${pair}"`);
          return [pair.slice(0, at), pair.slice(at + 1)];
        }),
      ),
    };
  }
  if (flags.dependsOn !== undefined) {
    json.dependsOn = flags.dependsOn.map((entry) => {
      const [jobId, bytes = '0', ...rest] = entry.split(':');
      if (!jobId || rest.length > 0 || !/^\d+$/.test(bytes))
        throw usageError(`--depends-on must be <job id> or <job id>:<output bytes>, not "${entry}"`);
      return { jobId, outputSizeBytes: bytes };
    });
  }
  if (flags.gang !== undefined) {
    const domain = GANG_DOMAINS[flags.gang];
    if (domain === undefined) throw usageError(`--gang must be one of ${GANG_DOMAIN_NAMES.join(', ')}, not "${flags.gang}"`);
    json.gangDomain = domain;
  }
  return api.JobSpec.fromJSON(json);
}

async function specFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read spec file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const { parseDocument } = await import('yaml'); // only when a spec file is given
  const document = parseDocument(text);
  if (document.errors.length > 0)
    throw usageError(`spec file ${path} is not valid YAML/JSON: ${document.errors[0]!.message.split('\n')[0]}`);
  const value = document.toJS() as unknown;
  if (!isRecord(value)) throw usageError(`spec file ${path} must hold a mapping of JobSpec fields`);
  const known = new Set([
    'kind',
    'modelRef',
    'imageRef',
    'gpuClass',
    'gpuCount',
    'minVramGib',
    'maxLatencyMs',
    'deadline',
    'allowedRegions',
    'dataResidency',
    'maxPriceBaseUnits',
    'estimatedDurationSeconds',
    'labels',
    'inputs',
    'dependsOn',
    'gangDomain',
  ]);
  const unknown = Object.keys(value).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw usageError(`spec file ${path}: unknown field(s) ${unknown.join(', ')} (JobSpec fields in lowerCamelCase, e.g. gpuClass)`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function whole(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw usageError(`${flag} must be a whole number, not "${value}"`);
  return Number(value);
}

function wholeBig(flag: string, value: string): bigint {
  if (!/^\d+$/.test(value)) throw usageError(`${flag} must be whole base units, not "${value}"`);
  return BigInt(value);
}
