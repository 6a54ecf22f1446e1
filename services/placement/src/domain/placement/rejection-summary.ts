import { api, events } from '@switchyard/contracts/messages';
import { gpusPerProvider } from './gang.js';

const R = events.RejectionReason;

/** Human-readable reasons for JobQueued, one line per rejection reason, in filter order. */
export function describeRejections(rejections: readonly events.RejectionCount[], spec: api.JobSpec, providersKnown: number): string[] {
  if (providersKnown === 0) return ['no provider is registered'];
  return rejections.map((r) => `${r.count} ${r.count === 1 ? 'provider' : 'providers'} ${explain(r.reason, spec)}`);
}

function explain(reason: events.RejectionReason, spec: api.JobSpec): string {
  switch (reason) {
    case R.REJECTION_REASON_UNHEALTHY:
      return 'unhealthy, draining or not heartbeating';
    case R.REJECTION_REASON_EXCLUDED:
      return 'excluded after losing or failing an earlier attempt';
    case R.REJECTION_REASON_TENANT_DENIED:
      return "denied by the tenant's operator rules";
    case R.REJECTION_REASON_GPU_CLASS_MISMATCH:
      return `without GPU class ${spec.gpuClass}`;
    case R.REJECTION_REASON_INSUFFICIENT_VRAM:
      return `with less than ${spec.minVramGib} GiB VRAM per ${spec.gpuClass}`;
    case R.REJECTION_REASON_INSUFFICIENT_CAPACITY:
      return `without ${gpusPerProvider(spec)} free ${spec.gpuClass}`;
    case R.REJECTION_REASON_GANG_DOMAIN_TOO_SMALL:
      return `whose operator's providers in their region have fewer than ${spec.gpuCount} free ${spec.gpuClass} together`;
    case R.REJECTION_REASON_REGION_NOT_ALLOWED:
      return `outside the allowed regions (${spec.allowedRegions.join(', ')})`;
    case R.REJECTION_REASON_DATA_RESIDENCY:
      return `outside jurisdiction ${spec.dataResidency}`;
    case R.REJECTION_REASON_PRICE_ABOVE_MAX:
      return `above the maximum price of ${spec.maxPriceBaseUnits} base units for ${spec.estimatedDurationSeconds}s`;
    case R.REJECTION_REASON_LATENCY_ABOVE_MAX:
      return `advertising more than ${spec.maxLatencyMs} ms latency`;
    case R.REJECTION_REASON_INPUT_NOT_HELD: {
      const required = (spec.inputs ?? []).filter((i) => i.locality === api.Locality.LOCALITY_REQUIRED).map((i) => i.digest);
      return `not holding the required ${required.length === 1 ? 'input' : 'inputs'} ${required.join(', ')}`;
    }
    case R.REJECTION_REASON_OPERATOR_SHARE_CAP:
      return "whose operator holds its maximum share of the tenant's work in the tier";
    case R.REJECTION_REASON_UNSPECIFIED:
    case R.UNRECOGNIZED:
      return 'rejected for an unrecorded reason';
    default: {
      const unexpected: never = reason;
      return `rejected (${String(unexpected)})`;
    }
  }
}
