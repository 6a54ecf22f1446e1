import { events } from '@switchyard/contracts/messages';
import type { PlacementPolicy } from '../placement-policy.js';
import { freeGpus, holdingKey, type ProviderRegistry, type ProviderState } from '../registry/provider-registry.js';
import { reputationBp } from '../reputation.js';
import { tieBreakKey } from '../tie-break.js';
import { CandidateIndex, spreadTerm, staticScore } from './candidate-index.js';
import { FILTER_STEPS } from './filter-steps.js';
import { feasibleDomains, gangMembers, gpusPerProvider, spansProviders } from './gang.js';
import { fetchAt, fetchFor, jobInputsOf, transferTerms, type Fetch, type JobInputs } from './locality.js';
import { applyOperatorShareCap } from './operator-share-cap.js';
import type { PlacementRequest } from './placement-request.js';
import { describeRejections } from './rejection-summary.js';
import { rankCandidates, type ScoringCandidate } from './score.js';

export type PlacementDecision = { type: 'JobPlaced'; data: events.JobPlaced } | { type: 'JobQueued'; data: events.JobQueued };

const R = events.RejectionReason;
const REJECTION_ORDER = [
  ...FILTER_STEPS.map((s) => s.reason),
  R.REJECTION_REASON_GANG_DOMAIN_TOO_SMALL,
  R.REJECTION_REASON_OPERATOR_SHARE_CAP,
];
const NO_FETCH: Fetch = { bytes: 0n, ms: 0n, priceBaseUnits: 0n };
/** Slack on the score bound so float rounding can never stop a walk before a provider that ties. */
const BOUND_SLACK = 1e-9;

/**
 * Decides where one attempt of a job runs, over a registry and an index built from it with the
 * same policy (the scheduler keeps both current; placeJob builds a throwaway index).
 *
 * Placed: the best candidate by the tier's weights among every provider of the registry, and
 * the next best up to the policy's recording limit. The walk visits the index's providers best
 * static score first and stops once no unseen provider's score bound (its static score plus the
 * largest operator-spread term any operator could still get) can beat the last recorded
 * candidate; rejections are counted over the providers it examined, the rest are
 * `providersNotExamined`. Queued: no provider can take the job, and every provider is examined so
 * the reasons are complete (the queue retries only when capacity of the class changed).
 */
export function decidePlacement(
  request: PlacementRequest,
  registry: ProviderRegistry,
  index: CandidateIndex,
  policy: PlacementPolicy,
  pass?: PassMemo,
): PlacementDecision {
  const placed = tryPlacement(request, registry, index, policy, pass);
  if (placed !== undefined) return placed;
  const key = pass === undefined ? undefined : constraintsKey(request);
  let rejections = key === undefined ? undefined : pass!.noFit.get(key);
  let largestBlock: number | undefined;
  if (rejections === undefined) {
    const filtered = filterProviders([...registry.providers.values()], registry, request, policy);
    rejections = filtered.rejections;
    if (spansProviders(request.spec)) largestBlock = filtered.largestGangBlock;
    if (key !== undefined) pass!.noFit.set(key, rejections);
  }
  // A gang that may span providers: the largest block is the most free GPUs one domain has together.
  largestBlock ??= spansProviders(request.spec)
    ? filterProviders([...registry.providers.values()], registry, request, policy).largestGangBlock
    : undefined;
  return queued(request, registry, rejections, policy, largestBlock ?? index.largestFreeBlock(request.spec.gpuClass));
}

/**
 * What one scheduling pass learnt: constraints no provider could meet. Within a pass capacity
 * only shrinks (placements take GPUs, nothing frees them), so a later job with the same
 * constraints cannot fit either and its reasons are the same: it is answered without a walk.
 */
export interface PassMemo {
  /** Constraints key → the exact rejection counts, once counted (undefined until a job had to announce them). */
  readonly noFit: Map<string, events.RejectionCount[] | undefined>;
}

export function newPassMemo(): PassMemo {
  return { noFit: new Map() };
}

/** Everything about a request the filter looks at (the tenant for its rules; no time, no job id). */
function constraintsKey(request: PlacementRequest): string {
  const { spec } = request;
  return JSON.stringify([
    request.tenantId,
    spec.gpuClass,
    Math.max(1, spec.gpuCount),
    spansProviders(spec),
    spec.minVramGib,
    spec.allowedRegions,
    spec.dataResidency,
    spec.maxPriceBaseUnits,
    spec.estimatedDurationSeconds,
    spec.maxLatencyMs,
    [...request.excludedProviderIds].sort(),
    jobInputsOf(spec).required,
  ]);
}

/** The JobPlaced decidePlacement would return, or undefined (without counting reasons) when nothing fits. */
export function tryPlacement(
  request: PlacementRequest,
  registry: ProviderRegistry,
  index: CandidateIndex,
  policy: PlacementPolicy,
  pass?: PassMemo,
): PlacementDecision | undefined {
  if (index.policy !== policy) throw new Error(`the candidate index was built for policy ${index.policy.version}, not ${policy.version}`);
  const key = pass === undefined ? undefined : constraintsKey(request);
  if (key !== undefined && pass!.noFit.has(key)) return undefined;
  const walked =
    index.largestFreeBlock(request.spec.gpuClass) >= gpusPerProvider(request.spec) ? walk(request, registry, index, policy) : undefined;
  if (walked === undefined) {
    if (key !== undefined) pass!.noFit.set(key, undefined);
    return undefined;
  }
  const inputBytes = Number(jobInputsOf(request.spec, request.producers).totalBytes);
  const context = { jobId: request.jobId, tier: request.tier, gpuClass: request.spec.gpuClass, inputBytes };
  const ranked = rankCandidates(walked.recorded, context, policy);
  const chosen = ranked[0]!;
  // A gang split over providers: its members come from the chosen lead's domain (the walk kept only domains that can complete it).
  const members =
    walked.gangPool === undefined ? undefined : gangMembers(registry.providers.get(chosen.providerId)!, walked.gangPool, request.spec);
  if (walked.gangPool !== undefined && members === undefined)
    throw new Error(`gang of job ${request.jobId}: the domain of ${chosen.providerId} cannot complete it`);
  return {
    type: 'JobPlaced',
    data: {
      jobId: request.jobId,
      providerId: chosen.providerId,
      operatorId: chosen.operatorId,
      attempt: request.attempt,
      gangMembers: members !== undefined && members.length > 1 ? members : [],
      decision: {
        policyVersion: policy.version,
        tier: request.tier,
        decidedAt: { ...request.at },
        candidates: ranked,
        candidatesTotal: walked.survivors,
        rejections: walked.rejections,
        chosenProviderId: chosen.providerId,
        chosenScore: chosen.score,
        excludedProviderIds: [...request.excludedProviderIds],
        providersNotExamined: registry.providers.size - walked.examined,
        inputBytes: String(inputBytes),
      },
    },
  };
}

/** decidePlacement with an index built for this one call (tests, replay); O(providers). */
export function placeJob(request: PlacementRequest, registry: ProviderRegistry, policy: PlacementPolicy): PlacementDecision {
  return decidePlacement(request, registry, CandidateIndex.of(registry, policy), policy);
}

interface Scored {
  readonly provider: ProviderState;
  readonly shareBp: number;
  readonly fetch: Fetch;
  readonly total: number;
  readonly tie: number;
}

interface Walk {
  readonly recorded: ScoringCandidate[];
  /** Examined providers that passed every filter (and the share cap). */
  readonly survivors: number;
  readonly examined: number;
  readonly rejections: events.RejectionCount[];
  /** A gang that may span providers: every survivor in a domain that can complete it, best first. */
  readonly gangPool?: ProviderState[];
}

function walk(request: PlacementRequest, registry: ProviderRegistry, index: CandidateIndex, policy: PlacementPolicy): Walk | undefined {
  const limit = Math.max(1, policy.recordedCandidatesLimit);
  const { tier, spec, tenantId } = request;
  const maxSpread = spreadTerm(smallestShareBp(registry, index, request), tier, policy);
  const holdings = registry.holdings.get(holdingKey(tenantId, tier));
  const total = holdings?.total ?? 0;
  const capBp = policy.tiers[tier].operatorShareCapBp;
  // While the tenant has so little active work in the tier that even an operator holding none of
  // it would breach the cap, every operator breaches and the cap rejects nobody (see
  // operator-share-cap.ts): skip it rather than walk everything looking for one that does not.
  const capInForce = 10_000 <= capBp * (total + 1);
  const inputs = jobInputsOf(spec, request.producers);
  // A gang that may span providers is decided over whole domains: every provider of the class is
  // examined (no early stop), and the domain step runs before the survivors are ranked. O(class).
  const spanning = spansProviders(spec);
  const passed: { scored: Scored; breaches: boolean }[] = [];
  const top: Scored[] = [];
  const breaching: Scored[] = [];
  const counts = new Map<events.RejectionReason, number>();
  let examined = 0;
  let survivors = 0;
  const examine = (provider: ProviderState, score: number | undefined): void => {
    examined++;
    for (const step of FILTER_STEPS) {
      if (!step.rejects(provider, request, policy)) continue;
      counts.set(step.reason, (counts.get(step.reason) ?? 0) + 1);
      return;
    }
    const held = holdings?.byOperator.get(provider.operatorId) ?? 0;
    const shareBp = total === 0 ? 0 : Math.floor((held * 10_000) / total);
    let sum = (score ?? staticScore(provider, tier, spec.gpuClass, policy)) + spreadTerm(shareBp, tier, policy);
    let fetch = NO_FETCH;
    if (inputs.totalBytes > 0n) {
      // Summed term by term in scoreBreakdown's order, so the total is the recorded one exactly.
      fetch = fetchFor(provider, inputs, policy);
      const [time, price] = transferTerms(fetch, tier, policy);
      sum = sum + time + price;
    }
    const scored: Scored = { provider, shareBp, fetch, total: sum, tie: tieBreakKey(request.jobId, provider.providerId) };
    const breaches = capInForce && (held + 1) * 10_000 > capBp * (total + 1);
    if (spanning) passed.push({ scored, breaches });
    else keep(scored, breaches);
  };
  const keep = (scored: Scored, breaches: boolean): void => {
    if (breaches) {
      breaching.push(scored);
      return;
    }
    survivors++;
    insertRanked(top, scored, limit);
  };
  const holders = holdersToExamine(registry, inputs);
  if (holders !== undefined) for (const providerId of holders.ids) examine(registry.providers.get(providerId)!, undefined);
  if (holders === undefined || !holders.exclusive) {
    // Providers holding none of the inputs fetch all of them: none can do it faster or cheaper
    // than the class's fastest ingress and cheapest transfer price, which bounds their locality terms.
    const bestRates = inputs.totalBytes > 0n ? index.bestTransferRates(spec.gpuClass) : undefined;
    const [boundTime, boundPrice] =
      bestRates === undefined
        ? [0, 0]
        : transferTerms(fetchAt(inputs.totalBytes, bestRates.ingressMbps, bestRates.transferPricePerGb), tier, policy);
    const maxLocality = boundTime + boundPrice;
    index.walk(spec.gpuClass, tier, spec.allowedRegions, (key) => {
      if (!spanning && top.length >= limit && key.score + maxSpread + maxLocality + BOUND_SLACK < top[limit - 1]!.total) return true;
      if (holders?.ids.has(key.providerId) === true) return false;
      examine(registry.providers.get(key.providerId)!, key.score);
      return false;
    });
  }
  let gangPool: ProviderState[] | undefined;
  if (spanning) {
    const domains = feasibleDomains(passed, (p) => p.scored.provider, spec);
    if (domains.rejected > 0) counts.set(R.REJECTION_REASON_GANG_DOMAIN_TOO_SMALL, domains.rejected);
    for (const { scored, breaches } of domains.kept) keep(scored, breaches);
    const pool = top.length > 0 ? domains.kept.filter((p) => !p.breaches) : domains.kept;
    gangPool = pool
      .map((p) => p.scored)
      .sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))
      .map((s) => s.provider);
  }
  const recorded = (list: readonly Scored[]) => list.map((s) => candidateOf(s.provider, s.shareBp, s.fetch, request, policy));
  const pool = gangPool === undefined ? {} : { gangPool };
  if (top.length === 0) {
    if (breaching.length === 0) return undefined;
    // Every survivor would breach the cap: none is rejected (see operator-share-cap.ts). The walk
    // saw every indexed provider, so these are all the survivors.
    for (const scored of breaching) insertRanked(top, scored, limit);
    return { recorded: recorded(top), survivors: breaching.length, examined, rejections: ordered(counts), ...pool };
  }
  if (breaching.length > 0) counts.set(R.REJECTION_REASON_OPERATOR_SHARE_CAP, breaching.length);
  return { recorded: recorded(top), survivors, examined, rejections: ordered(counts), ...pool };
}

/**
 * The providers a walk examines one by one before (or instead of) the index: those holding any of
 * the job's inputs, whose locality terms the index's bound does not cover. With a required input
 * only its holders can pass the filter (`exclusive`: no index walk), and the smallest holder set
 * among the required inputs is enough. O(holders), never O(fleet).
 */
function holdersToExamine(registry: ProviderRegistry, inputs: JobInputs): { ids: ReadonlySet<string>; exclusive: boolean } | undefined {
  if (inputs.sizes.size === 0) return undefined;
  if (inputs.required.length > 0) {
    let smallest: ReadonlySet<string> | undefined;
    for (const digest of inputs.required) {
      const holders = registry.inputHolders.get(digest);
      if (holders === undefined) return { ids: new Set(), exclusive: true };
      if (smallest === undefined || holders.size < smallest.size) smallest = holders;
    }
    return { ids: smallest!, exclusive: true };
  }
  const ids = new Set<string>();
  for (const digest of inputs.sizes.keys()) for (const providerId of registry.inputHolders.get(digest) ?? []) ids.add(providerId);
  for (const providerId of inputs.producedBy.values()) if (registry.providers.has(providerId)) ids.add(providerId);
  return { ids, exclusive: false };
}

/**
 * The smallest share of the tenant's tier work any operator in the job's class holds: 0 unless
 * every such operator holds some. Bounds the spread term an unseen provider could still get.
 */
function smallestShareBp(registry: ProviderRegistry, index: CandidateIndex, request: PlacementRequest): number {
  const holdings = registry.holdings.get(holdingKey(request.tenantId, request.tier));
  if (holdings === undefined || holdings.total === 0) return 0;
  const operators = index.operatorsIn(request.spec.gpuClass);
  let holdingInClass = 0;
  let smallest = Number.POSITIVE_INFINITY;
  for (const [operatorId, held] of holdings.byOperator) {
    if (!operators.has(operatorId)) continue;
    holdingInClass++;
    smallest = Math.min(smallest, Math.floor((held * 10_000) / holdings.total));
  }
  return holdingInClass < operators.size ? 0 : smallest;
}

function insertRanked(top: Scored[], scored: Scored, limit: number): void {
  let at = top.length;
  while (at > 0 && better(scored, top[at - 1]!)) at--;
  if (at >= limit) return;
  top.splice(at, 0, scored);
  if (top.length > limit) top.pop();
}

// The order rankCandidates sorts in: total, then the job-seeded tie-break, then id.
function better(a: Scored, b: Scored): boolean {
  if (a.total !== b.total) return a.total > b.total;
  if (a.tie !== b.tie) return a.tie < b.tie;
  return a.provider.providerId < b.provider.providerId;
}

function ordered(counts: ReadonlyMap<events.RejectionReason, number>): events.RejectionCount[] {
  return REJECTION_ORDER.flatMap((reason) => {
    const count = counts.get(reason);
    return count === undefined ? [] : [{ reason, count }];
  });
}

/** No provider can take the job: every provider examined, rejections complete. */
function queued(
  request: PlacementRequest,
  registry: ProviderRegistry,
  rejections: events.RejectionCount[],
  policy: PlacementPolicy,
  largestFreeBlock: number,
): PlacementDecision {
  return {
    type: 'JobQueued',
    data: {
      jobId: request.jobId,
      attempt: request.attempt,
      reasons: [
        ...describeRejections(rejections, request.spec, registry.providers.size),
        ...fragmentation(request, rejections, largestFreeBlock),
      ],
      rejections,
      policyVersion: policy.version,
      queuedAt: { ...request.at },
    },
  };
}

/**
 * A multi-GPU job (a gang on one provider) that capacity alone keeps waiting: say how fragmented
 * the free capacity is, e.g. "needs 8 a100-80g on one provider, the largest free block is 4".
 */
function fragmentation(request: PlacementRequest, rejections: readonly events.RejectionCount[], largestFreeBlock: number): string[] {
  const needed = Math.max(1, request.spec.gpuCount);
  const capacity = rejections.some(
    (r) => r.reason === R.REJECTION_REASON_INSUFFICIENT_CAPACITY || r.reason === R.REJECTION_REASON_GANG_DOMAIN_TOO_SMALL,
  );
  if (needed < 2 || !capacity) return [];
  const spanning = spansProviders(request.spec);
  const block =
    largestFreeBlock === 0 ? `no ${spanning ? 'domain' : 'provider'} has one free` : `the largest free block is ${largestFreeBlock}`;
  return [`needs ${needed} ${request.spec.gpuClass} ${spanning ? 'in one operator and region' : 'on one provider'}, ${block}`];
}

/** Every given provider through the filter steps and the share cap: survivors and exact rejection counts. */
export function filterProviders(
  providers: readonly ProviderState[],
  registry: ProviderRegistry,
  request: PlacementRequest,
  policy: PlacementPolicy,
): { survivors: ProviderState[]; rejections: events.RejectionCount[]; largestGangBlock: number } {
  const counts = new Map<events.RejectionReason, number>();
  let passed = providers.filter((provider) => {
    const step = FILTER_STEPS.find((s) => s.rejects(provider, request, policy));
    if (step !== undefined) counts.set(step.reason, (counts.get(step.reason) ?? 0) + 1);
    return step === undefined;
  });
  let largestGangBlock = 0;
  if (spansProviders(request.spec)) {
    const domains = feasibleDomains(passed, (p) => p, request.spec);
    if (domains.rejected > 0) counts.set(R.REJECTION_REASON_GANG_DOMAIN_TOO_SMALL, domains.rejected);
    passed = domains.kept;
    largestGangBlock = domains.largestBlock;
  }
  const { kept, rejected } = applyOperatorShareCap(passed, registry, request, policy);
  if (rejected > 0) counts.set(R.REJECTION_REASON_OPERATOR_SHARE_CAP, rejected);
  return { survivors: kept, rejections: ordered(counts), largestGangBlock };
}

function candidateOf(
  provider: ProviderState,
  shareBp: number,
  fetch: Fetch,
  request: PlacementRequest,
  policy: PlacementPolicy,
): ScoringCandidate {
  return {
    providerId: provider.providerId,
    operatorId: provider.operatorId,
    factors: {
      region: provider.region,
      advertisedLatencyMs: provider.advertisedLatencyMs,
      reputationBp: reputationBp(provider, policy.reputation),
      pricePerGpuHourBaseUnits: provider.pricePerGpuHour.toString(),
      operatorShareBp: shareBp,
      freeGpus: freeGpus(provider, request.spec.gpuClass),
      fetchBytes: fetch.bytes.toString(),
      fetchMs: fetch.ms.toString(),
      transferPriceBaseUnits: fetch.priceBaseUnits.toString(),
    },
  };
}
