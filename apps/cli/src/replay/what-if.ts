// `replay what-if`: the recorded decisions of a window re-run under other policies. The tier
// policy re-classifies each JobSubmitted; placement re-scores each DecisionRecord's recorded
// candidates under the (new) tier and the (new) placement policy. Deterministic: decisions are
// visited in job id, attempt order and every aggregate is a sum, so the same input gives the same
// report byte for byte.
import { api, events } from '@switchyard/contracts';
import { classifyJob, type TierPolicy } from '@switchyard/classifier/domain';
import { MeteringError, quoteJob, type RateCard } from '@switchyard/metering/pricing';
import { isPlacedTier, rescoreDecision, worstCasePrice, type PlacementPolicy } from '@switchyard/placement/domain';
import type { ReplayWindow } from './replay-window.js';

export interface WhatIfPolicies {
  /** New tier policy; undefined keeps each job's recorded tier. */
  readonly tier: TierPolicy | undefined;
  /** New placement policy; undefined re-scores with the version each decision recorded. */
  readonly placement: PlacementPolicy | undefined;
  /** Placement policy of a recorded version, or why it is not available. */
  recordedPlacement(version: string): PlacementPolicy | string;
  /**
   * Tenant prices: each job's worst-case quote in its recorded tier under `baseline`, against its
   * (new) tier under `candidate` (a new rate card, or the baseline when only the tier changes).
   * Undefined leaves tenant prices out of the report.
   */
  readonly rateCards?: {
    readonly baseline: readonly RateCard[];
    readonly candidate: readonly RateCard[];
    readonly candidateVersion: string | null;
  };
}

export interface TierChange {
  readonly jobId: string;
  readonly from: string;
  readonly to: string;
  readonly fromRule: string;
  readonly toRule: string;
}

export interface ProviderChange {
  readonly jobId: string;
  readonly attempt: number;
  readonly tier: string;
  readonly newTier: string;
  readonly from: string;
  readonly to: string;
  /** New minus recorded: worst-case price of the run (base units), advertised latency (ms), operator share (bp). */
  readonly priceDelta: string;
  readonly latencyDeltaMs: number;
  readonly operatorShareDeltaBp: number;
}

export interface TierTotals {
  /** Classifications recorded in the tier, and how many the new tier policy moves out of it. */
  classifications: number;
  tierChanges: number;
  /** Placements recorded in the tier, and how many would go to another provider. */
  placements: number;
  providerChanges: number;
  /** Sum over provider changes of the providers' worst-case ask, base units (decimal string: bigint). */
  priceDelta: string;
  /** Jobs whose worst-case tenant price (rate card quote) changes, and the summed change. */
  tenantPriceChanges: number;
  tenantPriceDelta: string;
  latencyDeltaMs: number;
  operatorShareDeltaBp: number;
}

export interface WhatIfReport {
  readonly tierPolicy: string | null;
  readonly placementPolicy: string | null;
  /** New rate card version, when one was given. */
  readonly rateCard: string | null;
  readonly classifications: number;
  readonly placements: number;
  readonly tierChanges: readonly TierChange[];
  readonly providerChanges: readonly ProviderChange[];
  /** Keyed by the recorded tier, in the proto's tier order, plus `total`. */
  readonly byTier: Readonly<Record<string, TierTotals>>;
  /** Decisions that could not be re-run, with why. */
  readonly skipped: readonly { jobId: string; attempt?: number; reason: string }[];
}

export function whatIf(window: ReplayWindow, policies: WhatIfPolicies): WhatIfReport {
  const newTierOf = new Map<string, api.Tier>();
  const tierChanges: TierChange[] = [];
  const skipped: { jobId: string; attempt?: number; reason: string }[] = [];
  const totals = new TotalsByTier();

  for (const { jobId, classified } of window.classifications) {
    totals.of(classified.tier).classifications += 1;
    const submitted = window.submitted.get(jobId);
    if (policies.tier === undefined) continue;
    if (submitted === undefined) {
      skipped.push({ jobId, reason: 'JobSubmitted not found: cannot re-classify' });
      continue;
    }
    const rerun = classifyJob(submitted, policies.tier);
    newTierOf.set(jobId, rerun.tier);
    if (rerun.tier !== classified.tier) {
      tierChanges.push({ jobId, from: classified.tier, to: rerun.tier, fromRule: classified.matchedRuleId, toRule: rerun.matchedRuleId });
      totals.of(classified.tier).tierChanges += 1;
    }
  }

  if (policies.rateCards !== undefined) {
    const cards = policies.rateCards;
    for (const { jobId, classified } of window.classifications) {
      const submitted = window.submitted.get(jobId);
      if (submitted?.spec === undefined || submitted.submittedAt === undefined) continue;
      const before = tenantPrice(submitted, classified.tier, cards.baseline);
      const after = tenantPrice(submitted, newTierOf.get(jobId) ?? classified.tier, cards.candidate);
      if (typeof before === 'string' || typeof after === 'string') {
        skipped.push({ jobId, reason: `tenant price: ${typeof before === 'string' ? before : after}` });
        continue;
      }
      if (before === after) continue;
      const tally = totals.of(classified.tier);
      tally.tenantPriceChanges += 1;
      tally.tenantPriceDelta = (BigInt(tally.tenantPriceDelta) + after - before).toString();
    }
  }

  const providerChanges: ProviderChange[] = [];
  for (const { jobId, placed } of window.placements) {
    const record = placed.decision;
    if (record === undefined) {
      skipped.push({ jobId, attempt: placed.attempt, reason: 'no decision record' });
      continue;
    }
    const policy = policies.placement ?? policies.recordedPlacement(record.policyVersion);
    if (typeof policy === 'string') {
      skipped.push({ jobId, attempt: placed.attempt, reason: policy });
      continue;
    }
    const newTier = newTierOf.get(jobId) ?? record.tier;
    if (!isPlacedTier(newTier)) {
      skipped.push({ jobId, attempt: placed.attempt, reason: `tier ${newTier} is not placed` });
      continue;
    }
    const spec = window.submitted.get(jobId)?.spec;
    const rescored = rescoreDecision({ ...record, tier: newTier }, { jobId, gpuClass: spec?.gpuClass ?? '' }, policy);
    const tally = totals.of(record.tier);
    tally.placements += 1;
    if (rescored.chosenProviderId === record.chosenProviderId) continue;
    const before = record.candidates.find((c) => c.providerId === record.chosenProviderId)?.factors;
    const after = rescored.candidates[0]?.factors;
    const price = (factors: events.CandidateFactors | undefined) =>
      factors === undefined || spec === undefined
        ? 0n
        : worstCasePrice(BigInt(factors.pricePerGpuHourBaseUnits || '0'), Math.max(1, spec.gpuCount), spec.estimatedDurationSeconds);
    const change: ProviderChange = {
      jobId,
      attempt: placed.attempt,
      tier: record.tier,
      newTier,
      from: record.chosenProviderId,
      to: rescored.chosenProviderId,
      priceDelta: (price(after) - price(before)).toString(),
      latencyDeltaMs: (after?.advertisedLatencyMs ?? 0) - (before?.advertisedLatencyMs ?? 0),
      operatorShareDeltaBp: (after?.operatorShareBp ?? 0) - (before?.operatorShareBp ?? 0),
    };
    providerChanges.push(change);
    tally.providerChanges += 1;
    tally.priceDelta = (BigInt(tally.priceDelta) + BigInt(change.priceDelta)).toString();
    tally.latencyDeltaMs += change.latencyDeltaMs;
    tally.operatorShareDeltaBp += change.operatorShareDeltaBp;
  }

  return {
    tierPolicy: policies.tier?.version ?? null,
    placementPolicy: policies.placement?.version ?? null,
    rateCard: policies.rateCards?.candidateVersion ?? null,
    classifications: window.classifications.length,
    placements: window.placements.length,
    tierChanges,
    providerChanges,
    byTier: totals.report(),
    skipped,
  };
}

/** The worst-case quote of the job's spec in `tier` under the card in effect at submission, or why none. */
function tenantPrice(submitted: events.JobSubmitted, tier: api.Tier, cards: readonly RateCard[]): bigint | string {
  try {
    return BigInt(quoteJob(submitted.spec!, tier, cards, submitted.submittedAt!).prices[0]?.worstCasePriceBaseUnits ?? '0');
  } catch (error) {
    if (error instanceof MeteringError) return error.message;
    throw error;
  }
}

const TIER_ORDER: readonly string[] = [api.Tier.TIER_REALTIME, api.Tier.TIER_STANDARD, api.Tier.TIER_BATCH, api.Tier.TIER_TRAINING];

class TotalsByTier {
  private readonly tiers = new Map<string, TierTotals>();

  of(tier: string): TierTotals {
    let totals = this.tiers.get(tier);
    if (totals === undefined) {
      totals = {
        classifications: 0,
        tierChanges: 0,
        placements: 0,
        providerChanges: 0,
        priceDelta: '0',
        tenantPriceChanges: 0,
        tenantPriceDelta: '0',
        latencyDeltaMs: 0,
        operatorShareDeltaBp: 0,
      };
      this.tiers.set(tier, totals);
    }
    return totals;
  }

  report(): Record<string, TierTotals> {
    const order = (tier: string) => (TIER_ORDER.includes(tier) ? TIER_ORDER.indexOf(tier) : TIER_ORDER.length);
    const tiers = [...this.tiers.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
    const result: Record<string, TierTotals> = {};
    const total: TierTotals = {
      classifications: 0,
      tierChanges: 0,
      placements: 0,
      providerChanges: 0,
      priceDelta: '0',
      tenantPriceChanges: 0,
      tenantPriceDelta: '0',
      latencyDeltaMs: 0,
      operatorShareDeltaBp: 0,
    };
    for (const tier of tiers) {
      const t = this.of(tier);
      result[tier] = { ...t };
      total.classifications += t.classifications;
      total.tierChanges += t.tierChanges;
      total.placements += t.placements;
      total.providerChanges += t.providerChanges;
      total.priceDelta = (BigInt(total.priceDelta) + BigInt(t.priceDelta)).toString();
      total.tenantPriceChanges += t.tenantPriceChanges;
      total.tenantPriceDelta = (BigInt(total.tenantPriceDelta) + BigInt(t.tenantPriceDelta)).toString();
      total.latencyDeltaMs += t.latencyDeltaMs;
      total.operatorShareDeltaBp += t.operatorShareDeltaBp;
    }
    result.total = total;
    return result;
  }
}
