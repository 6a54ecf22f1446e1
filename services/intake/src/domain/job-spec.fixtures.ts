// A valid spec and submission time for the domain specs; each spec changes one thing.
import { api } from '@switchyard/contracts/messages';

export const SUBMITTED_AT = new Date('2026-11-24T12:00:00.000Z');

export function validSpec(overrides: Partial<api.JobSpec> = {}): api.JobSpec {
  return api.JobSpec.fromPartial({
    kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
    modelRef: 'meta-llama/Llama-3.1-8B-Instruct@main',
    gpuClass: 'h100-80g',
    gpuCount: 1,
    minVramGib: 40,
    maxLatencyMs: 500,
    deadline: { seconds: String(SUBMITTED_AT.getTime() / 1000 + 3600), nanos: 0 },
    allowedRegions: ['eu-west', 'us-east-1'],
    dataResidency: 'EU',
    maxPriceBaseUnits: '9007199254740993123',
    estimatedDurationSeconds: 30,
    labels: { team: 'search' },
    ...overrides,
  });
}
