// Given-events builders shared by the domain's unit specs. Every *.fixtures.ts is left out of dist
// by tsconfig.build.json; it holds no tests itself (Jest only runs *.unit.spec.ts).
import { api, events } from '@switchyard/contracts/messages';
import type { PlacedTier } from './placement-policy.js';
import type { PlacementRequest } from './placement/placement-request.js';
import { evolveProviders } from './registry/evolve-providers.js';
import { newRegistry, type ProviderRegistry } from './registry/provider-registry.js';
import type { RegistryEvent } from './registry/registry-event.js';
import { toTimestamp } from './time.js';

export const T0 = 1_750_000_000_000;

/** A Timestamp `seconds` after T0. */
export function at(seconds: number): api.Timestamp {
  return toTimestamp(T0 + seconds * 1000);
}

export function given(...history: RegistryEvent[]): ProviderRegistry {
  return history.reduce(evolveProviders, newRegistry());
}

export function spec(overrides: Partial<api.JobSpec> = {}): api.JobSpec {
  return {
    kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
    modelRef: 'meta-llama/Llama-3.1-8B-Instruct@main',
    gpuClass: 'a100-80g',
    gpuCount: 1,
    minVramGib: 40,
    maxLatencyMs: 0,
    deadline: undefined,
    allowedRegions: [],
    dataResidency: '',
    maxPriceBaseUnits: '0',
    estimatedDurationSeconds: 600,
    labels: {},
    inputs: [],
    dependsOn: [],
    gangDomain: api.GangDomain.GANG_DOMAIN_UNSPECIFIED,
    ...overrides,
  };
}

export interface ProviderShape {
  operator?: string;
  region?: string;
  jurisdiction?: string;
  gpuClass?: string;
  gpus?: number;
  vram?: number;
  price?: string;
  latencyMs?: number;
  at?: number;
  ingressMbps?: number;
  transferPricePerGb?: string;
  held?: string[];
}

export function registered(providerId: string, shape: ProviderShape = {}): RegistryEvent {
  return {
    type: 'ProviderRegistered',
    data: {
      providerId,
      operatorId: shape.operator ?? `op-${providerId}`,
      region: shape.region ?? 'eu-west',
      jurisdiction: shape.jurisdiction ?? 'EU',
      gpus: [{ gpuClass: shape.gpuClass ?? 'a100-80g', count: shape.gpus ?? 8, vramGib: shape.vram ?? 80 }],
      pricePerGpuHourBaseUnits: shape.price ?? '2000000',
      advertisedLatencyMs: shape.latencyMs ?? 40,
      endpoint: `grpc://${providerId}.example:443`,
      registeredAt: at(shape.at ?? 0),
      ingressMbps: shape.ingressMbps ?? 0,
      transferPricePerGbBaseUnits: shape.transferPricePerGb ?? '0',
      heldDigests: shape.held ?? [],
    },
  };
}

export function capacityChanged(
  providerId: string,
  totalGpus: number,
  gpusInUse: number,
  health: api.HealthStatus,
  seconds = 1,
): RegistryEvent {
  return {
    type: 'ProviderCapacityChanged',
    data: {
      providerId,
      totalGpus,
      gpusInUse,
      health,
      heartbeatSequence: '1',
      changedAt: at(seconds),
      addedDigests: [],
      evictedDigests: [],
    },
  };
}

export function lost(providerId: string, jobIds: string[] = [], seconds = 60): RegistryEvent {
  return { type: 'ProviderLost', data: { providerId, lastHeartbeatAt: at(0), jobIds, lostAt: at(seconds) } };
}

export function submitted(jobId: string, jobSpec: api.JobSpec = spec(), tenantId = 'tenant-a', seconds = 0): RegistryEvent {
  return {
    type: 'JobSubmitted',
    data: { jobId, tenantId, tenantPlan: 'pro', spec: jobSpec, idempotencyKey: jobId, quote: undefined, submittedAt: at(seconds) },
  };
}

export function classified(jobId: string, tier: PlacedTier, seconds = 0): RegistryEvent {
  return {
    type: 'JobClassified',
    data: { jobId, tier, policyVersion: 'tiers-1', matchedRuleId: 'rule', reasons: [], classifiedAt: at(seconds) },
  };
}

export function placedOn(jobId: string, providerId: string, operatorId = `op-${providerId}`, attempt = 1): RegistryEvent {
  return { type: 'JobPlaced', data: { jobId, providerId, operatorId, attempt, decision: undefined, gangMembers: [] } };
}

export function completed(jobId: string, providerId: string, attempt = 1): RegistryEvent {
  return { type: 'JobCompleted', data: { jobId, attempt, providerId, resultHash: 'sha256:00', completedAt: at(120) } };
}

/** A track record of `n` completed jobs on a provider (tenant "history", so no share is held). */
export function completedJobs(providerId: string, n: number): RegistryEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const jobId = `history-${providerId}-${i}`;
    return [
      submitted(jobId, spec(), 'history'),
      classified(jobId, api.Tier.TIER_STANDARD),
      placedOn(jobId, providerId),
      completed(jobId, providerId),
    ];
  }).flat();
}

export function request(overrides: Partial<PlacementRequest> = {}): PlacementRequest {
  return {
    jobId: 'job-1',
    tenantId: 'tenant-a',
    tier: api.Tier.TIER_STANDARD,
    spec: spec(),
    attempt: 1,
    excludedProviderIds: [],
    at: at(30),
    ...overrides,
  };
}

export const R = events.RejectionReason;
