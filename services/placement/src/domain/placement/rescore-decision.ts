import type { events } from '@switchyard/contracts/messages';
import { isPlacedTier, type PlacementPolicy } from '../placement-policy.js';
import { rankCandidates, type ScoringContext } from './score.js';

/** What a re-run of scoring over a DecisionRecord's candidates gives. */
export interface RescoredDecision {
  chosenProviderId: string;
  chosenScore: events.ScoreBreakdown | undefined;
  /** The recorded candidates re-scored, best first. */
  candidates: events.Candidate[];
}

/**
 * Re-scores the candidates a JobPlaced recorded, from their recorded factors alone. Under the
 * recording policy it reproduces the original choice and scores exactly (`replay verify`); under
 * another policy it shows what that policy would have chosen (`replay what-if`).
 *
 * Caveats: only the recorded candidates (the best `recordedCandidatesLimit`) are re-scored, and the
 * filter is not re-run, so a what-if that changes filter parameters (share cap, accepted health)
 * is not reflected; re-run placeJob over a rebuilt registry for that.
 */
export function rescoreDecision(
  record: events.DecisionRecord,
  job: { jobId: string; gpuClass: string },
  policy: PlacementPolicy,
): RescoredDecision {
  if (!isPlacedTier(record.tier)) throw new Error(`decision for job ${job.jobId} has unplaced tier ${record.tier}`);
  const context: ScoringContext = {
    jobId: job.jobId,
    tier: record.tier,
    gpuClass: job.gpuClass,
    inputBytes: Number(record.inputBytes || '0'),
  };
  const recorded = record.candidates.flatMap((c) =>
    c.factors === undefined ? [] : [{ providerId: c.providerId, operatorId: c.operatorId, factors: c.factors }],
  );
  const candidates = rankCandidates(recorded, context, policy);
  const best = candidates[0];
  return { chosenProviderId: best?.providerId ?? '', chosenScore: best?.score, candidates };
}

/** Differences between a recorded decision and its re-scoring; empty means it reproduced exactly. */
export function decisionDifferences(record: events.DecisionRecord, rescored: RescoredDecision): string[] {
  const differences: string[] = [];
  if (record.chosenProviderId !== rescored.chosenProviderId) {
    differences.push(`chosen provider ${record.chosenProviderId} -> ${rescored.chosenProviderId}`);
  }
  const recordedTotal = record.chosenScore?.total;
  const rescoredTotal = rescored.chosenScore?.total;
  if (recordedTotal !== rescoredTotal) differences.push(`chosen score ${recordedTotal} -> ${rescoredTotal}`);
  const recordedOrder = record.candidates.map((c) => c.providerId).join(',');
  const rescoredOrder = rescored.candidates.map((c) => c.providerId).join(',');
  if (recordedOrder !== rescoredOrder) differences.push(`candidate order [${recordedOrder}] -> [${rescoredOrder}]`);
  return differences;
}
