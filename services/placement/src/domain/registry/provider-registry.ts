import type { api } from '@switchyard/contracts';
import type { PlacedTier } from '../placement-policy.js';

// Placement's working state, a fold over the providers and jobs topics (see evolve-providers.ts).
// Plain readonly records so a fold step copies only what it changes.

export type ProviderStatus = 'ACTIVE' | 'SUSPECT' | 'LOST';

/** The provider's track record, the input of its reputation. */
export interface ProviderTrackRecord {
  completions: number;
  /** Attempts the provider failed or timed out on (workload faults excluded). */
  failures: number;
  /** Times the provider was declared lost. */
  losses: number;
}

export interface ProviderState {
  providerId: string;
  operatorId: string;
  region: string;
  jurisdiction: string;
  gpus: readonly api.GpuInventory[];
  pricePerGpuHour: bigint;
  advertisedLatencyMs: number;
  health: api.HealthStatus;
  status: ProviderStatus;
  /** Total GPUs as last reported; starts as the inventory's sum. */
  totalGpus: number;
  /** GPUs in use as the provider last reported them (Switchyard's and anything else it runs). */
  reportedGpusInUse: number;
  /** GPUs held by Switchyard placements (placed or running) per GPU class. */
  placedGpusByClass: Readonly<Record<string, number>>;
  lastHeartbeatAtMs: number;
  /** Consecutive missed heartbeats last recorded by ProviderHeartbeatMissed. */
  missedHeartbeats: number;
  track: ProviderTrackRecord;
}

/** Where a job stands as far as placement is concerned; terminal jobs leave the registry. */
export type ActiveJobState = 'SUBMITTED' | 'CLASSIFIED' | 'QUEUED' | 'PLACED' | 'RUNNING' | 'REQUEUED';

export interface ActiveJob {
  jobId: string;
  tenantId: string;
  /** Undefined until JobClassified. */
  tier: PlacedTier | undefined;
  spec: api.JobSpec;
  state: ActiveJobState;
  /** The attempt waiting to be placed or holding a provider: 1 until the first requeue. */
  attempt: number;
  providerId: string | undefined;
  operatorId: string | undefined;
  excludedProviderIds: readonly string[];
  submittedAtMs: number;
}

export interface ProviderRegistry {
  providers: Readonly<Record<string, ProviderState>>;
  jobs: Readonly<Record<string, ActiveJob>>;
  /** Active (placed or running) job counts per `tenant|tier|operator`, for the operator share cap. */
  activeJobsByOperator: Readonly<Record<string, number>>;
}

export const emptyRegistry: ProviderRegistry = { providers: {}, jobs: {}, activeJobsByOperator: {} };

export function operatorKey(tenantId: string, tier: PlacedTier, operatorId: string): string {
  return `${tenantId}|${tier}|${operatorId}`;
}

/** GPUs of `gpuClass` the provider can still take, never negative. */
export function freeGpus(provider: ProviderState, gpuClass: string): number {
  const inventory = provider.gpus.filter((g) => g.gpuClass === gpuClass).reduce((sum, g) => sum + g.count, 0);
  const placedInClass = provider.placedGpusByClass[gpuClass] ?? 0;
  const placedTotal = Object.values(provider.placedGpusByClass).reduce((sum, n) => sum + n, 0);
  // A heartbeat may lag behind our own placements, or count work we did not place: trust whichever
  // use is larger. Caveat: a placed-but-not-started job plus outside work can still be undercounted;
  // the provider refuses an assignment it cannot run and the job is requeued.
  const freeOverall = provider.totalGpus - Math.max(provider.reportedGpusInUse, placedTotal);
  return Math.max(0, Math.min(inventory - placedInClass, freeOverall));
}

/** Share of a tenant's active work in a tier that an operator holds, in basis points (0 if none). */
export function operatorShareBp(registry: ProviderRegistry, tenantId: string, tier: PlacedTier, operatorId: string): number {
  const { held, total } = operatorHolding(registry, tenantId, tier, operatorId);
  return total === 0 ? 0 : Math.floor((held * 10_000) / total);
}

export function operatorHolding(
  registry: ProviderRegistry,
  tenantId: string,
  tier: PlacedTier,
  operatorId: string,
): { held: number; total: number } {
  const prefix = `${tenantId}|${tier}|`;
  let total = 0;
  for (const [key, count] of Object.entries(registry.activeJobsByOperator)) {
    if (key.startsWith(prefix)) total += count;
  }
  return { held: registry.activeJobsByOperator[operatorKey(tenantId, tier, operatorId)] ?? 0, total };
}
