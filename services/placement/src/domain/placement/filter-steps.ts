import { api, events } from '@switchyard/contracts/messages';
import type { PlacementPolicy } from '../placement-policy.js';
import { freeGpus, type ProviderState } from '../registry/provider-registry.js';
import type { PlacementRequest } from './placement-request.js';
import { gpusPerProvider } from './gang.js';
import { exceedsMaxPrice } from './price-cap.js';

const R = events.RejectionReason;

/** One per-provider filter step: the reason it rejects with and when. */
export interface FilterStep {
  reason: events.RejectionReason;
  rejects(provider: ProviderState, request: PlacementRequest, policy: PlacementPolicy): boolean;
}

/**
 * The per-provider filter, in the order applied: a provider is counted once, under the first
 * step that rejects it. Cheap, hard constraints first; the operator share cap (which looks at the
 * survivors as a set) comes after these, see operator-share-cap.ts.
 */
export const FILTER_STEPS: readonly FilterStep[] = [
  {
    reason: R.REJECTION_REASON_UNHEALTHY,
    rejects: (p, _r, policy) => p.status !== 'ACTIVE' || !policy.acceptedHealth.includes(p.health),
  },
  {
    reason: R.REJECTION_REASON_EXCLUDED,
    rejects: (p, r) => r.excludedProviderIds.includes(p.providerId),
  },
  {
    reason: R.REJECTION_REASON_TENANT_DENIED,
    rejects: (p, r, policy) => {
      const rule = policy.tenantRules[r.tenantId];
      if (rule === undefined) return false;
      if (rule.deniedOperatorIds.includes(p.operatorId)) return true;
      return rule.allowedOperatorIds.length > 0 && !rule.allowedOperatorIds.includes(p.operatorId);
    },
  },
  {
    reason: R.REJECTION_REASON_GPU_CLASS_MISMATCH,
    rejects: (p, r) => !p.gpus.some((g) => g.gpuClass === r.spec.gpuClass),
  },
  {
    reason: R.REJECTION_REASON_INSUFFICIENT_VRAM,
    rejects: (p, r) => !p.gpus.some((g) => g.gpuClass === r.spec.gpuClass && g.vramGib >= r.spec.minVramGib),
  },
  {
    reason: R.REJECTION_REASON_INSUFFICIENT_CAPACITY,
    rejects: (p, r) => freeGpus(p, r.spec.gpuClass) < gpusPerProvider(r.spec),
  },
  {
    reason: R.REJECTION_REASON_REGION_NOT_ALLOWED,
    rejects: (p, r) => r.spec.allowedRegions.length > 0 && !r.spec.allowedRegions.includes(p.region),
  },
  {
    reason: R.REJECTION_REASON_DATA_RESIDENCY,
    rejects: (p, r) => r.spec.dataResidency !== '' && p.jurisdiction !== r.spec.dataResidency,
  },
  {
    reason: R.REJECTION_REASON_PRICE_ABOVE_MAX,
    rejects: (p, r) => exceedsMaxPrice(p.pricePerGpuHour, r.spec.gpuCount, r.spec.estimatedDurationSeconds, r.spec.maxPriceBaseUnits),
  },
  {
    reason: R.REJECTION_REASON_LATENCY_ABOVE_MAX,
    rejects: (p, r) => r.spec.maxLatencyMs > 0 && p.advertisedLatencyMs > r.spec.maxLatencyMs,
  },
  {
    reason: R.REJECTION_REASON_INPUT_NOT_HELD,
    rejects: (p, r) =>
      (r.spec.inputs ?? []).some((input) => input.locality === api.Locality.LOCALITY_REQUIRED && !p.heldDigests.has(input.digest)),
  },
];
