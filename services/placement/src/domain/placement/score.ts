import type { events } from '@switchyard/contracts/messages';
import type { FactorWeights, PlacedTier, PlacementPolicy } from '../placement-policy.js';
import { tieBreakKey } from '../tie-break.js';

// Scoring works on recorded factors only, so the service, `replay verify` and `replay what-if`
// share this code and a DecisionRecord's candidates can be re-scored without the registry.

/** A filter survivor as scoring sees it: exactly what a DecisionRecord's Candidate records. */
export interface ScoringCandidate {
  providerId: string;
  operatorId: string;
  factors: events.CandidateFactors;
}

/** Everything besides the candidates that scoring depends on. */
export interface ScoringContext {
  jobId: string;
  tier: PlacedTier;
  gpuClass: string;
  /**
   * Total bytes of the job's inputs (DecisionRecord.input_bytes); a job without inputs (0 or
   * absent) is scored without the transfer terms, exactly as before locality existed.
   */
  inputBytes?: number;
}

type FactorName = 'latency' | 'reputation' | 'price' | 'operator_share' | 'transfer_time' | 'transfer_price';

const WEIGHT_OF: Readonly<Record<FactorName, keyof FactorWeights>> = {
  latency: 'latency',
  reputation: 'reputation',
  price: 'price',
  operator_share: 'operatorSpread',
  transfer_time: 'transferTime',
  transfer_price: 'transferPrice',
};

/** Factors in the order their terms appear in a ScoreBreakdown (and are summed). */
const FACTORS: readonly FactorName[] = ['latency', 'reputation', 'price', 'operator_share'];
/** With inputs, the locality terms come last, so the first four sum as they always did. */
const FACTORS_WITH_INPUTS: readonly FactorName[] = [...FACTORS, 'transfer_time', 'transfer_price'];

/** Each factor scaled to 0..1, 1 best, against fixed policy scales (see docs/placement-scoring.md). */
export function normalisedFactors(
  factors: events.CandidateFactors,
  context: ScoringContext,
  policy: PlacementPolicy,
): Record<FactorName, number> {
  const latencyHalf = policy.scales.latencyHalfMs;
  const priceHalf = Number(policy.scales.priceHalfByGpuClass[context.gpuClass] ?? policy.scales.priceHalfBaseUnits);
  const price = Number(factors.pricePerGpuHourBaseUnits || '0');
  return {
    latency: halfPoint(latencyHalf, factors.advertisedLatencyMs),
    reputation: clamp01(factors.reputationBp / 10_000),
    price: halfPoint(priceHalf, price),
    operator_share: clamp01(1 - factors.operatorShareBp / 10_000),
    ...transferNormalised(Number(factors.fetchMs || '0'), Number(factors.transferPriceBaseUnits || '0'), policy),
  };
}

/** The locality factors scaled to 0..1: nothing to fetch scores 1, the policy's half points 0.5. */
export function transferNormalised(
  fetchMs: number,
  transferPriceBaseUnits: number,
  policy: PlacementPolicy,
): { transfer_time: number; transfer_price: number } {
  return {
    transfer_time: halfPoint(policy.scales.transferTimeHalfMs ?? 60_000, fetchMs),
    transfer_price: halfPoint(Number(policy.scales.transferPriceHalfBaseUnits ?? '1000000'), transferPriceBaseUnits),
  };
}

export function scoreBreakdown(factors: events.CandidateFactors, context: ScoringContext, policy: PlacementPolicy): events.ScoreBreakdown {
  const weights = policy.tiers[context.tier].weights;
  const normalised = normalisedFactors(factors, context, policy);
  const terms = ((context.inputBytes ?? 0) > 0 ? FACTORS_WITH_INPUTS : FACTORS).map((factor): events.ScoreTerm => {
    const weight = weights[WEIGHT_OF[factor]] ?? 0;
    return { factor, normalized: normalised[factor], weight, contribution: weight * normalised[factor] };
  });
  return { total: terms.reduce((sum, term) => sum + term.contribution, 0), terms };
}

/** Candidates with their scores, best first; equal totals ordered by the job-seeded tie-break. */
export function rankCandidates(
  candidates: readonly ScoringCandidate[],
  context: ScoringContext,
  policy: PlacementPolicy,
): events.Candidate[] {
  return candidates
    .map((c) => ({
      candidate: {
        providerId: c.providerId,
        operatorId: c.operatorId,
        factors: { ...c.factors },
        score: scoreBreakdown(c.factors, context, policy),
      },
      tie: tieBreakKey(context.jobId, c.providerId),
    }))
    .sort((a, b) => byScoreThenTie(a, b))
    .map((ranked) => ranked.candidate);
}

function byScoreThenTie(a: { candidate: events.Candidate; tie: number }, b: { candidate: events.Candidate; tie: number }): number {
  const totalA = a.candidate.score?.total ?? 0;
  const totalB = b.candidate.score?.total ?? 0;
  if (totalA !== totalB) return totalB - totalA;
  if (a.tie !== b.tie) return a.tie - b.tie;
  return a.candidate.providerId < b.candidate.providerId ? -1 : a.candidate.providerId > b.candidate.providerId ? 1 : 0;
}

// half / (half + value): 1 at zero, 0.5 at the half point, approaching 0 as value grows.
function halfPoint(half: number, value: number): number {
  if (value <= 0) return 1;
  if (half <= 0) return 0;
  return half / (half + value);
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
