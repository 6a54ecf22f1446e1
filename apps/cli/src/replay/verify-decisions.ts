// `replay verify`: re-run each recorded decision with the policy version it recorded and compare.
// Pure given the policies: the command resolves versions to policies (files, code) beforehand.
import { events } from '@switchyard/contracts';
import { classifyJob, type TierPolicy } from '@switchyard/classifier/domain';
import { decisionDifferences, outcomeDifferences, rescoreDecision, type PlacementPolicy } from '@switchyard/placement/domain';
import type { ReplayWindow } from './replay-window.js';

export interface Mismatch {
  readonly decision: 'classification' | 'placement' | 'failure';
  readonly jobId: string;
  readonly attempt?: number;
  readonly policyVersion: string;
  readonly differences: readonly string[];
}

export interface DecisionTally {
  readonly total: number;
  readonly reproduced: number;
}

export interface VerifyReport {
  readonly eventsRead: number;
  readonly classifications: DecisionTally;
  readonly placements: DecisionTally;
  /** Requeues and failures whose recorded fault and consequences match the fault table. */
  readonly failures: DecisionTally;
  /** JobQueued decisions in the window: recorded with counts, not candidates, so not re-scored. */
  readonly queuedNotRescored: number;
  readonly mismatches: readonly Mismatch[];
}

export interface PolicyLookup {
  /** The tier policy of a version, or why it cannot be had (e.g. not archived). */
  tier(version: string): TierPolicy | string;
  placement(version: string): PlacementPolicy | string;
}

export function verifyDecisions(window: ReplayWindow, policies: PolicyLookup): VerifyReport {
  const mismatches: Mismatch[] = [];
  let classificationsReproduced = 0;
  for (const { jobId, classified } of window.classifications) {
    const differences = classificationDifferences(window.submitted.get(jobId), classified, policies);
    if (differences.length === 0) classificationsReproduced += 1;
    else mismatches.push({ decision: 'classification', jobId, policyVersion: classified.policyVersion, differences });
  }
  let placementsReproduced = 0;
  for (const { jobId, placed } of window.placements) {
    const differences = placementDifferences(window.submitted.get(jobId), placed, policies);
    if (differences.length === 0) placementsReproduced += 1;
    else
      mismatches.push({
        decision: 'placement',
        jobId,
        attempt: placed.attempt,
        policyVersion: placed.decision?.policyVersion ?? '',
        differences,
      });
  }
  let failuresConsistent = 0;
  const placementPolicy = new Map(
    window.placements.map(({ jobId, placed }) => [`${jobId}#${placed.attempt}`, placed.decision?.policyVersion ?? '']),
  );
  for (const { jobId, outcome } of window.failures) {
    // The policy of the attempt that ended (a requeue carries the next attempt's number).
    const ended = outcome.type === 'JobRequeued' ? outcome.data.attempt - 1 : outcome.data.attempt;
    const version = placementPolicy.get(`${jobId}#${ended}`);
    const policy = version === undefined ? undefined : policies.placement(version);
    const differences = outcomeDifferences(outcome, typeof policy === 'string' ? undefined : policy);
    if (differences.length === 0) failuresConsistent += 1;
    else
      mismatches.push({
        decision: 'failure',
        jobId,
        attempt: outcome.data.attempt,
        policyVersion: version ?? '',
        differences: [`${outcome.type}: ${differences.join('; ')}`],
      });
  }
  return {
    eventsRead: window.eventsRead,
    classifications: { total: window.classifications.length, reproduced: classificationsReproduced },
    placements: { total: window.placements.length, reproduced: placementsReproduced },
    failures: { total: window.failures.length, reproduced: failuresConsistent },
    queuedNotRescored: window.queued,
    mismatches,
  };
}

function classificationDifferences(
  submitted: events.JobSubmitted | undefined,
  recorded: events.JobClassified,
  policies: PolicyLookup,
): string[] {
  if (submitted === undefined) return ["cannot re-run: the job's JobSubmitted is not in the log before the window end"];
  const policy = policies.tier(recorded.policyVersion);
  if (typeof policy === 'string') return [`cannot re-run: ${policy}`];
  const rerun = events.JobClassified.toJSON(classifyJob(submitted, policy)) as Record<string, unknown>;
  const original = events.JobClassified.toJSON(recorded) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(original), ...Object.keys(rerun)])].sort();
  return fields
    .filter((field) => JSON.stringify(original[field]) !== JSON.stringify(rerun[field]))
    .map((field) => `${field}: recorded ${JSON.stringify(original[field])}, re-run ${JSON.stringify(rerun[field])}`);
}

function placementDifferences(submitted: events.JobSubmitted | undefined, placed: events.JobPlaced, policies: PolicyLookup): string[] {
  const record = placed.decision;
  if (record === undefined) return ['cannot re-run: JobPlaced has no decision record'];
  const policy = policies.placement(record.policyVersion);
  if (typeof policy === 'string') return [`cannot re-run: ${policy}`];
  const gpuClass = submitted?.spec?.gpuClass;
  if (gpuClass === undefined && Object.keys(policy.scales.priceHalfByGpuClass).length > 0) {
    return ["cannot re-run: the GPU class (from JobSubmitted) is needed for this policy's price scale and the JobSubmitted was not found"];
  }
  const rescored = rescoreDecision(record, { jobId: placed.jobId, gpuClass: gpuClass ?? '' }, policy);
  const differences = decisionDifferences(record, rescored);
  if (placed.providerId !== record.chosenProviderId) {
    differences.push(`JobPlaced.provider_id ${placed.providerId} differs from its record's chosen ${record.chosenProviderId}`);
  }
  // Every candidate's score, not only the chosen one's: a changed factor weight shows up here first.
  const byId = new Map(rescored.candidates.map((c) => [c.providerId, c.score?.total]));
  for (const candidate of record.candidates) {
    const rerun = byId.get(candidate.providerId);
    if (candidate.score?.total !== rerun) differences.push(`candidate ${candidate.providerId} score ${candidate.score?.total} -> ${rerun}`);
  }
  return differences;
}
