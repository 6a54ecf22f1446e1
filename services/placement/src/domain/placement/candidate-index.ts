// Indexes over the registry that let a decision look at the few providers that can win instead
// of every provider. Per GPU class and tier, an ordered set (a B+ tree) of the providers that can
// take work now (ACTIVE, accepted health, at least one free GPU of the class), best "static"
// score first. The static score is the part of a candidate's score that depends on the provider
// alone (latency, reputation, price); the rest, the operator-spread term, depends on the tenant
// and is bounded, so a best-first walk can stop as soon as no unseen provider could still make the
// recorded list (see place-job.ts). Also per class: how many indexed providers have each number
// of free GPUs (a job needing more than the largest free block is queued without a walk), and
// which operators they belong to.
//
// Cost: refreshing one provider is O(classes × tiers × log n); the walk is O(examined × log n).
import btree from 'sorted-btree';
import { PLACED_TIERS, type PlacedTier, type PlacementPolicy } from '../placement-policy.js';
import { freeGpus, type ProviderRegistry, type ProviderState } from '../registry/provider-registry.js';
import { reputationBp } from '../reputation.js';
import { normalisedFactors } from './score.js';

const BTree = btree.default;

/** A provider's place in one class-and-tier order: static score descending, then id. */
export interface IndexKey {
  readonly score: number;
  readonly providerId: string;
}

const byScoreThenId = (a: IndexKey, b: IndexKey): number =>
  a.score !== b.score ? b.score - a.score : a.providerId < b.providerId ? -1 : a.providerId > b.providerId ? 1 : 0;

/** Free-GPU counts above this share one histogram bucket (only "is there a block this large" is asked). */
const FREE_BUCKETS = 64;

interface ClassIndex {
  readonly byTier: Map<PlacedTier, InstanceType<typeof BTree<IndexKey, true>>>;
  /** freeHistogram[n]: indexed providers with n free GPUs of the class (n capped at FREE_BUCKETS). */
  readonly freeHistogram: number[];
  /** Indexed providers per operator. */
  readonly operators: Map<string, number>;
}

interface Indexed {
  /** Per class the provider is indexed in: its static score per tier and its free GPUs. */
  readonly classes: Map<string, { scores: readonly number[]; free: number; operatorId: string }>;
}

export class CandidateIndex {
  private readonly classes = new Map<string, ClassIndex>();
  private readonly indexed = new Map<string, Indexed>();

  private constructor(readonly policy: PlacementPolicy) {}

  static empty(policy: PlacementPolicy): CandidateIndex {
    return new CandidateIndex(policy);
  }

  /** An index over every provider of `registry`. */
  static of(registry: ProviderRegistry, policy: PlacementPolicy): CandidateIndex {
    const index = new CandidateIndex(policy);
    for (const provider of registry.providers.values()) index.refresh(provider);
    return index;
  }

  /**
   * Re-indexes one provider after its record changed (or was removed): call it for every provider
   * an applied event touched. Returns the GPU classes in which it can now take more than before.
   */
  refresh(provider: ProviderState | undefined, providerId = provider?.providerId): string[] {
    if (providerId === undefined) return [];
    const before = this.indexed.get(providerId);
    const placeable = provider !== undefined && provider.status === 'ACTIVE' && this.policy.acceptedHealth.includes(provider.health);
    const next = new Map<string, { scores: readonly number[]; free: number; operatorId: string }>();
    if (placeable) {
      for (const gpuClass of new Set(provider.gpus.map((g) => g.gpuClass))) {
        const free = freeGpus(provider, gpuClass);
        if (free < 1) continue;
        next.set(gpuClass, { scores: PLACED_TIERS.map((tier) => staticScore(provider, tier, gpuClass, this.policy)), free, operatorId: provider.operatorId });
      }
    }
    for (const [gpuClass, entry] of before?.classes ?? []) {
      const after = next.get(gpuClass);
      if (after !== undefined && sameEntry(entry, after)) {
        next.set(gpuClass, entry);
        continue;
      }
      this.remove(providerId, gpuClass, entry);
    }
    for (const [gpuClass, entry] of next) {
      if (before?.classes.get(gpuClass) === entry) continue;
      this.add(providerId, gpuClass, entry);
    }
    if (next.size === 0) this.indexed.delete(providerId);
    else this.indexed.set(providerId, { classes: next });
    const grown: string[] = [];
    for (const [gpuClass, entry] of next) if (entry.free > (before?.classes.get(gpuClass)?.free ?? 0)) grown.push(gpuClass);
    return grown;
  }

  /** Indexed providers of a class in one tier's order, best static score first. */
  walk(gpuClass: string, tier: PlacedTier, visit: (key: IndexKey) => boolean | void): void {
    const tree = this.classes.get(gpuClass)?.byTier.get(tier);
    if (tree === undefined) return;
    tree.forEachPair((key) => (visit(key) === true ? { break: true } : undefined));
  }

  /** The most free GPUs of the class any placeable provider has (capped at 64). */
  largestFreeBlock(gpuClass: string): number {
    const histogram = this.classes.get(gpuClass)?.freeHistogram;
    if (histogram === undefined) return 0;
    for (let n = FREE_BUCKETS; n > 0; n--) if ((histogram[n] ?? 0) > 0) return n;
    return 0;
  }

  /** Providers indexed in a class (placeable with a free GPU of it). */
  size(gpuClass: string): number {
    return this.classes.get(gpuClass)?.byTier.get(PLACED_TIERS[0]!)?.size ?? 0;
  }

  /** Operators with at least one indexed provider in the class. */
  operatorsIn(gpuClass: string): ReadonlyMap<string, number> {
    return this.classes.get(gpuClass)?.operators ?? new Map();
  }

  private classIndex(gpuClass: string): ClassIndex {
    let entry = this.classes.get(gpuClass);
    if (entry === undefined) {
      entry = {
        byTier: new Map(PLACED_TIERS.map((tier) => [tier, new BTree<IndexKey, true>(undefined, byScoreThenId)])),
        freeHistogram: new Array<number>(FREE_BUCKETS + 1).fill(0),
        operators: new Map(),
      };
      this.classes.set(gpuClass, entry);
    }
    return entry;
  }

  private add(providerId: string, gpuClass: string, entry: { scores: readonly number[]; free: number; operatorId: string }): void {
    const index = this.classIndex(gpuClass);
    PLACED_TIERS.forEach((tier, i) => index.byTier.get(tier)!.set({ score: entry.scores[i]!, providerId }, true));
    index.freeHistogram[Math.min(FREE_BUCKETS, entry.free)]! += 1;
    index.operators.set(entry.operatorId, (index.operators.get(entry.operatorId) ?? 0) + 1);
  }

  private remove(providerId: string, gpuClass: string, entry: { scores: readonly number[]; free: number; operatorId: string }): void {
    const index = this.classIndex(gpuClass);
    PLACED_TIERS.forEach((tier, i) => index.byTier.get(tier)!.delete({ score: entry.scores[i]!, providerId }));
    index.freeHistogram[Math.min(FREE_BUCKETS, entry.free)]! -= 1;
    const operators = (index.operators.get(entry.operatorId) ?? 1) - 1;
    if (operators === 0) index.operators.delete(entry.operatorId);
    else index.operators.set(entry.operatorId, operators);
  }
}

function sameEntry(a: { scores: readonly number[]; free: number; operatorId: string }, b: { scores: readonly number[]; free: number; operatorId: string }): boolean {
  return a.free === b.free && a.operatorId === b.operatorId && a.scores.every((s, i) => s === b.scores[i]);
}

/**
 * The latency, reputation and price terms of a provider's score in a tier, summed in the order
 * scoreBreakdown sums them, so static + operator-spread term equals the recorded total exactly.
 */
export function staticScore(provider: ProviderState, tier: PlacedTier, gpuClass: string, policy: PlacementPolicy): number {
  const normalised = normalisedFactors(
    {
      region: provider.region,
      advertisedLatencyMs: provider.advertisedLatencyMs,
      reputationBp: reputationBp(provider, policy.reputation),
      pricePerGpuHourBaseUnits: provider.pricePerGpuHour.toString(),
      operatorShareBp: 0,
      freeGpus: 0,
    },
    { jobId: '', tier, gpuClass },
    policy,
  );
  const w = policy.tiers[tier].weights;
  return 0 + w.latency * normalised.latency + w.reputation * normalised.reputation + w.price * normalised.price;
}

/** The operator-spread term of a candidate's score (what scoreBreakdown adds last). */
export function spreadTerm(shareBp: number, tier: PlacedTier, policy: PlacementPolicy): number {
  return policy.tiers[tier].weights.operatorSpread * Math.min(1, Math.max(0, 1 - shareBp / 10_000));
}
