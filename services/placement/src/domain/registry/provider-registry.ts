import type { api } from '@switchyard/contracts/messages';
import type { PlacedTier } from '../placement-policy.js';

// Placement's working state, a fold over the providers and jobs topics (see evolve-providers.ts).
// The fold changes the registry in place: the scheduler keeps one registry in memory for the
// whole fleet, and copying a 100,000-provider record for every event would make each event cost
// as much as the fleet. Each provider and job record is replaced, never edited, so a record read
// before an event still describes the state before it.

export type ProviderStatus = 'ACTIVE' | 'SUSPECT' | 'LOST';

/** The provider's track record, the input of its reputation. */
export interface ProviderTrackRecord {
  readonly completions: number;
  /** Attempts the provider failed or timed out on (workload faults excluded). */
  readonly failures: number;
  /** Times the provider was declared lost. */
  readonly losses: number;
  /** Completion reports in which the provider fetched an input it advertised as held (ProviderInputsReported). */
  readonly misclaims: number;
}

export interface ProviderState {
  readonly providerId: string;
  readonly operatorId: string;
  /** Where the provider serves workloads; unique per operator (re-registering it is idempotent). */
  readonly endpoint: string;
  readonly region: string;
  readonly jurisdiction: string;
  readonly gpus: readonly api.GpuInventory[];
  readonly pricePerGpuHour: bigint;
  readonly advertisedLatencyMs: number;
  readonly health: api.HealthStatus;
  readonly status: ProviderStatus;
  /** Total GPUs as last reported; starts as the inventory's sum. */
  readonly totalGpus: number;
  /** GPUs in use as the provider last reported them (Switchyard's and anything else it runs). */
  readonly reportedGpusInUse: number;
  /** GPUs held by Switchyard placements (placed or running) per GPU class. */
  readonly placedGpusByClass: Readonly<Record<string, number>>;
  readonly lastHeartbeatAtMs: number;
  /** Sequence of the last heartbeat taken (decimal uint64); restarts at 0 with a registration. */
  readonly heartbeatSequence: string;
  /** Consecutive missed heartbeats last recorded by ProviderHeartbeatMissed. */
  readonly missedHeartbeats: number;
  readonly track: ProviderTrackRecord;
  /** Ingress bandwidth for fetching job inputs, megabits per second; 0 = not stated (the policy's default applies). */
  readonly ingressMbps: number;
  /** Price of fetching a GB (10^9 bytes) of job inputs, base units. */
  readonly transferPricePerGb: bigint;
  /** Content digests of the job inputs the provider holds (registration's list, then heartbeats' additions and evictions). */
  readonly heldDigests: ReadonlySet<string>;
}

/** Where a job stands as far as placement is concerned; terminal jobs leave the registry. */
export type ActiveJobState = 'SUBMITTED' | 'CLASSIFIED' | 'QUEUED' | 'PLACED' | 'RUNNING' | 'REQUEUED';

export interface ActiveJob {
  readonly jobId: string;
  readonly tenantId: string;
  /** Undefined until JobClassified. */
  readonly tier: PlacedTier | undefined;
  readonly spec: api.JobSpec;
  readonly state: ActiveJobState;
  /** The attempt waiting to be placed or holding a provider: 1 until the first requeue. */
  readonly attempt: number;
  /** The provider holding the attempt; for a gang split over providers, its lead. */
  readonly providerId: string | undefined;
  readonly operatorId: string | undefined;
  /** A gang split over providers: every member with its GPUs, the lead first (empty otherwise). */
  readonly gangMembers: readonly api.GangMember[];
  readonly excludedProviderIds: readonly string[];
  readonly submittedAtMs: number;
  /** When the current attempt was placed (0 while waiting): start timeouts and reconciliation count from it. */
  readonly placedAtMs: number;
  /** When the job last began waiting (classified, requeued, exclusion relaxed): stranded jobs count from it. */
  readonly waitingSinceMs: number;
  /** Jobs of `spec.depends_on` that have not completed yet, sorted: it is not placed while any is left. */
  readonly waitingFor: readonly string[];
  /** Per completed dependency, the provider that completed it (where its output is). */
  readonly producers: Readonly<Record<string, string>>;
}

/** How a job ended, as far as the jobs that depend on it care. */
export interface JobOutcome {
  readonly state: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
  /** The provider that completed it ('' when none). */
  readonly providerId: string;
}

/** A tenant's active (placed or running) jobs in one tier, in total and per operator: the share cap's input. */
export interface TierHoldings {
  total: number;
  readonly byOperator: Map<string, number>;
}

export interface ProviderRegistry {
  readonly providers: Map<string, ProviderState>;
  readonly jobs: Map<string, ActiveJob>;
  /** Per `tenant|tier`. */
  readonly holdings: Map<string, TierHoldings>;
  /** Ids of the jobs placed on or running at each provider. */
  readonly heldBy: Map<string, Set<string>>;
  /** Provider id per `operator` + newline + `endpoint`. */
  readonly endpoints: Map<string, string>;
  /** Per content digest, the providers holding it (every registered provider, whatever its status): the locality index. */
  readonly inputHolders: Map<string, Set<string>>;
  /** Per job, the jobs waiting for it to complete (their `waitingFor` names it). */
  readonly dependents: Map<string, Set<string>>;
  /**
   * Outcomes of ended jobs that a job arriving now may depend on: those ended since the scheduler
   * last committed, and those the engine looked up in its tables for the jobs about to arrive.
   * Not the whole history: the engine clears it after each commit (the tables keep every outcome).
   */
  readonly outcomes: Map<string, JobOutcome>;
}

export function newRegistry(): ProviderRegistry {
  return {
    providers: new Map(),
    jobs: new Map(),
    holdings: new Map(),
    heldBy: new Map(),
    endpoints: new Map(),
    inputHolders: new Map(),
    dependents: new Map(),
    outcomes: new Map(),
  };
}

/** The dependencies of `spec` not known to have completed, and the providers of those that did. */
export function dependencyState(
  spec: api.JobSpec,
  outcomes: ReadonlyMap<string, JobOutcome>,
): { waitingFor: string[]; producers: Record<string, string>; failed: string | undefined } {
  const waitingFor: string[] = [];
  const producers: Record<string, string> = {};
  let failed: string | undefined;
  for (const { jobId } of spec.dependsOn ?? []) {
    const outcome = outcomes.get(jobId);
    if (outcome === undefined) waitingFor.push(jobId);
    else if (outcome.state === 'COMPLETED') producers[jobId] = outcome.providerId;
    else failed ??= jobId;
  }
  return { waitingFor: waitingFor.sort(), producers, failed };
}

/** Records `job` as waiting for each job of its `waitingFor` (or forgets it, `add` false). */
export function indexDependents(registry: ProviderRegistry, job: Pick<ActiveJob, 'jobId' | 'waitingFor'>, add: boolean): void {
  for (const dependency of job.waitingFor) {
    let waiting = registry.dependents.get(dependency);
    if (add) {
      if (waiting === undefined) registry.dependents.set(dependency, (waiting = new Set()));
      waiting.add(job.jobId);
    } else if (waiting !== undefined) {
      waiting.delete(job.jobId);
      if (waiting.size === 0) registry.dependents.delete(dependency);
    }
  }
}

/** Keeps `inputHolders` in step with a provider's holdings changing from `before` to `after`. */
export function indexHeldDigests(
  registry: ProviderRegistry,
  providerId: string,
  before: ReadonlySet<string>,
  after: ReadonlySet<string>,
): void {
  if (before === after) return;
  for (const digest of before) {
    if (after.has(digest)) continue;
    const holders = registry.inputHolders.get(digest);
    holders?.delete(providerId);
    if (holders?.size === 0) registry.inputHolders.delete(digest);
  }
  for (const digest of after) {
    if (before.has(digest)) continue;
    let holders = registry.inputHolders.get(digest);
    if (holders === undefined) registry.inputHolders.set(digest, (holders = new Set()));
    holders.add(providerId);
  }
}

const NO_DIGESTS: ReadonlySet<string> = new Set();
export { NO_DIGESTS };

export function endpointKey(operatorId: string, endpoint: string): string {
  return `${operatorId}\n${endpoint}`;
}

export function holdingKey(tenantId: string, tier: PlacedTier): string {
  return `${tenantId}|${tier}`;
}

/** GPUs of `gpuClass` the provider offers. */
export function inventoryOf(provider: ProviderState, gpuClass: string): number {
  let inventory = 0;
  for (const g of provider.gpus) if (g.gpuClass === gpuClass) inventory += g.count;
  return inventory;
}

/** GPUs of `gpuClass` the provider can still take, never negative. */
export function freeGpus(provider: ProviderState, gpuClass: string): number {
  const placedInClass = provider.placedGpusByClass[gpuClass] ?? 0;
  let placedTotal = 0;
  for (const held in provider.placedGpusByClass) placedTotal += provider.placedGpusByClass[held]!;
  // A heartbeat may lag behind our own placements, or count work we did not place: trust whichever
  // use is larger. Caveat: a placed-but-not-started job plus outside work can still be undercounted;
  // the provider refuses an assignment it cannot run and the job is requeued.
  const freeOverall = provider.totalGpus - Math.max(provider.reportedGpusInUse, placedTotal);
  return Math.max(0, Math.min(inventoryOf(provider, gpuClass) - placedInClass, freeOverall));
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
  const holdings = registry.holdings.get(holdingKey(tenantId, tier));
  return { held: holdings?.byOperator.get(operatorId) ?? 0, total: holdings?.total ?? 0 };
}

/**
 * The providers holding a placed or running job's GPUs and how many each: its gang's members, or
 * its one provider with all of them. Empty while it holds none.
 */
export function holdersOf(job: Pick<ActiveJob, 'state' | 'providerId' | 'gangMembers' | 'spec'>): readonly api.GangMember[] {
  if ((job.state !== 'PLACED' && job.state !== 'RUNNING') || job.providerId === undefined) return [];
  return job.gangMembers.length > 0 ? job.gangMembers : [{ providerId: job.providerId, gpuCount: Math.max(1, job.spec.gpuCount) }];
}

/** Whether the provider holds (some of) the job's current attempt: its provider or one of its gang's members. */
export function holds(job: Pick<ActiveJob, 'state' | 'providerId' | 'gangMembers' | 'spec'>, providerId: string): boolean {
  return holdersOf(job).some((m) => m.providerId === providerId);
}

/** Ids of the jobs placed on or running at a provider, sorted. */
export function jobsHeldBy(registry: ProviderRegistry, providerId: string): string[] {
  return [...(registry.heldBy.get(providerId) ?? [])].sort();
}

/**
 * A registry from providers and active jobs as a snapshot stored them: the derived maps (holdings,
 * held jobs, endpoints) are computed the way the fold keeps them.
 */
export function registryOf(providers: Iterable<ProviderState>, jobs: Iterable<ActiveJob>): ProviderRegistry {
  const registry = newRegistry();
  for (const provider of providers) {
    registry.providers.set(provider.providerId, provider);
    registry.endpoints.set(endpointKey(provider.operatorId, provider.endpoint), provider.providerId);
    indexHeldDigests(registry, provider.providerId, NO_DIGESTS, provider.heldDigests);
  }
  for (const job of jobs) {
    registry.jobs.set(job.jobId, job);
    indexDependents(registry, job, true);
    const holders = holdersOf(job);
    if (holders.length === 0) continue;
    for (const { providerId } of holders) {
      let held = registry.heldBy.get(providerId);
      if (held === undefined) registry.heldBy.set(providerId, (held = new Set()));
      held.add(job.jobId);
    }
    if (job.tier === undefined || job.operatorId === undefined) continue;
    const key = holdingKey(job.tenantId, job.tier);
    let holdings = registry.holdings.get(key);
    if (holdings === undefined) registry.holdings.set(key, (holdings = { total: 0, byOperator: new Map() }));
    holdings.total += 1;
    holdings.byOperator.set(job.operatorId, (holdings.byOperator.get(job.operatorId) ?? 0) + 1);
  }
  return registry;
}
