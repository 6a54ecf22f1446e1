// The scheduler's whole state in memory: the registry (the fold of placement's events), the
// candidate index and the waiting queue, kept in step by apply(): every change to the registry
// goes through it, so the indexes can never disagree with the fold.
import type { PlacementPolicy } from '../placement-policy.js';
import { CandidateIndex } from '../placement/candidate-index.js';
import { WaitingQueue } from '../queue/waiting-queue.js';
import { heartbeatReceived } from '../registry/evolve-provider-events.js';
import { evolveProviders } from '../registry/evolve-providers.js';
import { holdersOf, newRegistry, type ProviderRegistry } from '../registry/provider-registry.js';
import type { RegistryEvent } from '../registry/registry-event.js';

/** What applied events changed: the rows a snapshot must rewrite. */
export interface Touched {
  readonly providers: Set<string>;
  readonly jobs: Set<string>;
  /** GPU classes in which a provider may now take more work than before. */
  readonly grownClasses: Set<string>;
  /** Jobs whose dependencies all completed with this change: they wait for a provider now. */
  readonly released: Set<string>;
}

export function nothingTouched(): Touched {
  return { providers: new Set(), jobs: new Set(), grownClasses: new Set(), released: new Set() };
}

export class PlacementState {
  readonly index: CandidateIndex;
  readonly waiting = new WaitingQueue();

  private constructor(
    readonly registry: ProviderRegistry,
    readonly policy: PlacementPolicy,
  ) {
    this.index = CandidateIndex.of(registry, policy);
    for (const job of registry.jobs.values()) this.waiting.refresh(job.jobId, job);
  }

  static empty(policy: PlacementPolicy): PlacementState {
    return new PlacementState(newRegistry(), policy);
  }

  /** A state over a registry loaded from a snapshot (the indexes are built from it). */
  static of(registry: ProviderRegistry, policy: PlacementPolicy): PlacementState {
    return new PlacementState(registry, policy);
  }

  apply(event: RegistryEvent, touched: Touched = nothingTouched()): Touched {
    const providerIds = new Set<string>();
    let jobId: string | undefined;
    if ('providerId' in event.data && event.data.providerId) providerIds.add(event.data.providerId);
    if ('jobId' in event.data) {
      jobId = event.data.jobId;
      // Every provider holding the job's GPUs before (a gang's members too) gets them back or keeps them.
      const before = this.registry.jobs.get(jobId);
      if (before?.providerId !== undefined) providerIds.add(before.providerId);
      if (before !== undefined) for (const { providerId } of holdersOf(before)) providerIds.add(providerId);
    }
    // The jobs waiting for this one: a completion changes their records too.
    const dependents = jobId === undefined ? undefined : this.registry.dependents.get(jobId);
    const waitingBefore =
      dependents === undefined ? [] : [...dependents].map((id) => [id, this.registry.jobs.get(id)?.waitingFor.length ?? 0] as const);
    evolveProviders(this.registry, event);
    for (const [dependentId, before] of waitingBefore) {
      const dependent = this.registry.jobs.get(dependentId);
      this.waiting.refresh(dependentId, dependent);
      touched.jobs.add(dependentId);
      if (dependent !== undefined && before > 0 && dependent.waitingFor.length === 0) touched.released.add(dependentId);
    }
    if (jobId !== undefined) {
      const job = this.registry.jobs.get(jobId);
      if (job?.providerId !== undefined) providerIds.add(job.providerId);
      if (job !== undefined) for (const { providerId } of holdersOf(job)) providerIds.add(providerId);
      this.waiting.refresh(jobId, job);
      touched.jobs.add(jobId);
    }
    for (const id of providerIds) {
      for (const gpuClass of this.index.refresh(this.registry.providers.get(id), id)) touched.grownClasses.add(gpuClass);
      touched.providers.add(id);
    }
    return touched;
  }

  /** A heartbeat that changed nothing else: its time, for liveness. */
  heard(providerId: string, atMs: number, sequence: string, touched: Touched = nothingTouched()): Touched {
    heartbeatReceived(this.registry, providerId, atMs, sequence);
    touched.providers.add(providerId);
    return touched;
  }
}
