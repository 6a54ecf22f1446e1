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
import { effectiveIngressMbps } from './locality.js';
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

type Tree = InstanceType<typeof BTree<IndexKey, true>>;

/** A provider's transfer rates as one class's extremes track them: fastest ingress first, cheapest transfer first. */
interface RateKey {
  readonly value: bigint;
  readonly providerId: string;
}
const byValueThenId = (a: RateKey, b: RateKey): number =>
  a.value !== b.value ? (a.value < b.value ? -1 : 1) : a.providerId < b.providerId ? -1 : a.providerId > b.providerId ? 1 : 0;
type RateTree = InstanceType<typeof BTree<RateKey, true>>;

interface ClassIndex {
  /** Per region, per tier: the ordered set. Regions are few, so a walk merges them. */
  readonly byRegion: Map<string, Map<PlacedTier, Tree>>;
  /** Indexed providers of the class (all regions). */
  size: number;
  /** freeHistogram[n]: indexed providers with n free GPUs of the class (n capped at FREE_BUCKETS). */
  readonly freeHistogram: number[];
  /** Indexed providers per operator. */
  readonly operators: Map<string, number>;
  /** Indexed providers by effective ingress bandwidth, negated (the fastest is the smallest key). */
  readonly byIngress: RateTree;
  /** Indexed providers by transfer price per GB (the cheapest is the smallest key). */
  readonly byTransferPrice: RateTree;
}

interface Entry {
  readonly scores: readonly number[];
  readonly free: number;
  readonly operatorId: string;
  readonly region: string;
  readonly ingressMbps: number;
  readonly transferPricePerGb: bigint;
}

interface Indexed {
  /** Per class the provider is indexed in: its static score per tier and its free GPUs. */
  readonly classes: Map<string, Entry>;
  /** What the scores were computed from (latency, reputation, price, region, operator). */
  readonly inputs: string;
  /** The provider's holdings when last indexed: new holdings can unblock jobs that require them. */
  readonly held: ReadonlySet<string>;
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
    const next = new Map<string, Entry>();
    // The static scores depend on latency, reputation, price and health, not on free GPUs: most
    // changes (a placement, a completion's free GPU) keep them, and the ordered sets untouched.
    const inputs = placeable
      ? `${provider.advertisedLatencyMs}/${reputationBp(provider, this.policy.reputation)}/${provider.pricePerGpuHour}/${provider.region}/${provider.operatorId}/${provider.ingressMbps}/${provider.transferPricePerGb}`
      : '';
    if (placeable) {
      for (const g of provider.gpus) {
        if (next.has(g.gpuClass)) continue;
        const free = freeGpus(provider, g.gpuClass);
        if (free < 1) continue;
        const previous = before?.classes.get(g.gpuClass);
        const scores =
          previous !== undefined && before!.inputs === inputs
            ? previous.scores
            : PLACED_TIERS.map((tier) => staticScore(provider, tier, g.gpuClass, this.policy));
        next.set(g.gpuClass, {
          scores,
          free,
          operatorId: provider.operatorId,
          region: provider.region,
          ingressMbps: effectiveIngressMbps(provider, this.policy),
          transferPricePerGb: provider.transferPricePerGb,
        });
      }
    }
    const grown: string[] = [];
    for (const [gpuClass, entry] of before?.classes ?? []) {
      const after = next.get(gpuClass);
      if (after !== undefined && after.scores === entry.scores && after.region === entry.region && after.operatorId === entry.operatorId) {
        // Same place in the order: only the free count moves.
        if (after.free !== entry.free) this.moveFree(gpuClass, entry.free, after.free);
        continue;
      }
      this.remove(providerId, gpuClass, entry);
    }
    for (const [gpuClass, entry] of next) {
      const previous = before?.classes.get(gpuClass);
      if (
        previous === undefined ||
        previous.scores !== entry.scores ||
        previous.region !== entry.region ||
        previous.operatorId !== entry.operatorId
      )
        this.add(providerId, gpuClass, entry);
      // More free GPUs, or inputs it did not hold before: queued jobs of the class may fit now.
      if (entry.free > (previous?.free ?? 0) || (before !== undefined && before.held !== provider!.heldDigests)) grown.push(gpuClass);
    }
    if (next.size === 0) this.indexed.delete(providerId);
    else this.indexed.set(providerId, { classes: next, inputs, held: provider!.heldDigests });
    return grown;
  }

  private moveFree(gpuClass: string, from: number, to: number): void {
    const histogram = this.classIndex(gpuClass).freeHistogram;
    histogram[Math.min(FREE_BUCKETS, from)]! -= 1;
    histogram[Math.min(FREE_BUCKETS, to)]! += 1;
  }

  /**
   * Indexed providers of a class in one tier's order, best static score first, in the given
   * regions only (all when empty): a merge of the regions' ordered sets, so a job bound to one
   * region never walks the others. `visit` returning true stops the walk.
   */
  walk(gpuClass: string, tier: PlacedTier, regions: readonly string[], visit: (key: IndexKey) => boolean | void): void {
    const byRegion = this.classes.get(gpuClass)?.byRegion;
    if (byRegion === undefined) return;
    const trees: Tree[] = [];
    for (const [region, byTier] of byRegion) {
      if (regions.length > 0 && !regions.includes(region)) continue;
      const tree = byTier.get(tier);
      if (tree !== undefined && tree.size > 0) trees.push(tree);
    }
    if (trees.length === 1) {
      trees[0]!.forEachPair((key) => (visit(key) === true ? { break: true } : undefined));
      return;
    }
    // k-way merge over the regions' trees (k is the number of regions: a linear pick is enough).
    const heads = trees.map((tree) => tree.minKey());
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head !== undefined && (best < 0 || byScoreThenId(head, heads[best]!) < 0)) best = i;
      }
      if (best < 0) return;
      const key = heads[best]!;
      if (visit(key) === true) return;
      heads[best] = trees[best]!.nextHigherKey(key);
    }
  }

  /** The most free GPUs of the class any placeable provider has (capped at 64). */
  largestFreeBlock(gpuClass: string): number {
    const histogram = this.classes.get(gpuClass)?.freeHistogram;
    if (histogram === undefined) return 0;
    for (let n = FREE_BUCKETS; n > 0; n--) if ((histogram[n] ?? 0) > 0) return n;
    return 0;
  }

  /**
   * The best transfer rates any indexed provider of the class offers: the fastest ingress (Mbit/s)
   * and the cheapest transfer price per GB. A provider holding none of a job's inputs cannot fetch
   * them faster or cheaper, which bounds its locality terms in a walk. O(log n).
   */
  bestTransferRates(gpuClass: string): { ingressMbps: number; transferPricePerGb: bigint } | undefined {
    const index = this.classes.get(gpuClass);
    const fastest = index?.byIngress.minKey();
    const cheapest = index?.byTransferPrice.minKey();
    if (fastest === undefined || cheapest === undefined) return undefined;
    return { ingressMbps: Number(-fastest.value), transferPricePerGb: cheapest.value };
  }

  /** Providers indexed in a class (placeable with a free GPU of it). */
  size(gpuClass: string): number {
    return this.classes.get(gpuClass)?.size ?? 0;
  }

  /** Operators with at least one indexed provider in the class. */
  operatorsIn(gpuClass: string): ReadonlyMap<string, number> {
    return this.classes.get(gpuClass)?.operators ?? new Map();
  }

  private classIndex(gpuClass: string): ClassIndex {
    let entry = this.classes.get(gpuClass);
    if (entry === undefined) {
      entry = {
        byRegion: new Map(),
        size: 0,
        freeHistogram: new Array<number>(FREE_BUCKETS + 1).fill(0),
        operators: new Map(),
        byIngress: new BTree<RateKey, true>(undefined, byValueThenId),
        byTransferPrice: new BTree<RateKey, true>(undefined, byValueThenId),
      };
      this.classes.set(gpuClass, entry);
    }
    return entry;
  }

  private add(providerId: string, gpuClass: string, entry: Entry): void {
    const index = this.classIndex(gpuClass);
    let byTier = index.byRegion.get(entry.region);
    if (byTier === undefined) {
      byTier = new Map(PLACED_TIERS.map((tier) => [tier, new BTree<IndexKey, true>(undefined, byScoreThenId)]));
      index.byRegion.set(entry.region, byTier);
    }
    PLACED_TIERS.forEach((tier, i) => byTier.get(tier)!.set({ score: entry.scores[i]!, providerId }, true));
    index.size += 1;
    index.freeHistogram[Math.min(FREE_BUCKETS, entry.free)]! += 1;
    index.operators.set(entry.operatorId, (index.operators.get(entry.operatorId) ?? 0) + 1);
    index.byIngress.set({ value: -BigInt(entry.ingressMbps), providerId }, true);
    index.byTransferPrice.set({ value: entry.transferPricePerGb, providerId }, true);
  }

  private remove(providerId: string, gpuClass: string, entry: Entry): void {
    const index = this.classIndex(gpuClass);
    const byTier = index.byRegion.get(entry.region)!;
    PLACED_TIERS.forEach((tier, i) => byTier.get(tier)!.delete({ score: entry.scores[i]!, providerId }));
    index.size -= 1;
    index.freeHistogram[Math.min(FREE_BUCKETS, entry.free)]! -= 1;
    const operators = (index.operators.get(entry.operatorId) ?? 1) - 1;
    if (operators === 0) index.operators.delete(entry.operatorId);
    else index.operators.set(entry.operatorId, operators);
    index.byIngress.delete({ value: -BigInt(entry.ingressMbps), providerId });
    index.byTransferPrice.delete({ value: entry.transferPricePerGb, providerId });
  }
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
      fetchBytes: '0',
      fetchMs: '0',
      transferPriceBaseUnits: '0',
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
