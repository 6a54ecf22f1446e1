// "Why this tier, why this provider?" from a job's own events: JobClassified's rule and reasons,
// and each attempt's DecisionRecord (JobPlaced) or rejection counts (JobQueued). Pure: events in,
// explanation out; rendering is separate so --json gives the same facts.
import type { events } from '@switchyard/contracts';
import type { DecodedEvent } from '../log/decoded-event.js';
import { tokens } from '../labels.js';

export interface FactorComparison {
  readonly factor: string;
  /** Raw recorded value, e.g. `35 ms`, `9000 bp`. */
  readonly chosenValue: string;
  readonly runnerUpValue: string;
  readonly chosenContribution: number;
  readonly runnerUpContribution: number;
}

export interface RunnerUp {
  readonly providerId: string;
  readonly operatorId: string;
  /** Chosen total minus runner-up total. */
  readonly gap: number;
  /** Factors where the runner-up scored less than the chosen provider, biggest shortfall first. */
  readonly lacked: readonly FactorComparison[];
  /** Factors where the runner-up scored more (it lost despite these). */
  readonly ahead: readonly FactorComparison[];
}

export type AttemptStep =
  | {
      readonly kind: 'placed';
      readonly attempt: number;
      readonly at: string;
      readonly placed: events.JobPlaced;
      readonly runnerUp: RunnerUp | undefined;
    }
  | { readonly kind: 'queued'; readonly attempt: number; readonly at: string; readonly queued: events.JobQueued }
  | { readonly kind: 'requeued'; readonly attempt: number; readonly at: string; readonly requeued: events.JobRequeued }
  | { readonly kind: 'relaxed'; readonly attempt: number; readonly at: string; readonly relaxed: events.JobExclusionRelaxed }
  | { readonly kind: 'failed'; readonly attempt: number; readonly at: string; readonly failed: events.JobFailed };

export interface JobExplanation {
  readonly jobId: string;
  readonly submitted: events.JobSubmitted | undefined;
  readonly classified: events.JobClassified | undefined;
  readonly steps: readonly AttemptStep[];
  /** Type of the job's last event on the jobs topic. */
  readonly lastEvent: string;
}

export function explainJob(jobId: string, history: readonly DecodedEvent[]): JobExplanation {
  const jobEvents = history.filter((e) => e.family === 'jobs');
  let submitted: events.JobSubmitted | undefined;
  let classified: events.JobClassified | undefined;
  const steps: AttemptStep[] = [];
  for (const event of jobEvents) {
    const at = event.logged.envelope.time;
    switch (event.name) {
      case 'JobSubmitted':
        submitted = event.message as events.JobSubmitted;
        break;
      case 'JobClassified':
        classified = event.message as events.JobClassified;
        break;
      case 'JobPlaced': {
        const placed = event.message as events.JobPlaced;
        steps.push({ kind: 'placed', attempt: placed.attempt, at, placed, runnerUp: runnerUpOf(placed.decision) });
        break;
      }
      case 'JobQueued': {
        const queued = event.message as events.JobQueued;
        steps.push({ kind: 'queued', attempt: queued.attempt, at, queued });
        break;
      }
      case 'JobRequeued': {
        const requeued = event.message as events.JobRequeued;
        steps.push({ kind: 'requeued', attempt: requeued.attempt, at, requeued });
        break;
      }
      case 'JobExclusionRelaxed': {
        const relaxed = event.message as events.JobExclusionRelaxed;
        steps.push({ kind: 'relaxed', attempt: relaxed.attempt, at, relaxed });
        break;
      }
      case 'JobFailed': {
        const failed = event.message as events.JobFailed;
        steps.push({ kind: 'failed', attempt: failed.attempt, at, failed });
        break;
      }
      default:
        break; // lifecycle events after placement explain no decision; timeline shows them
    }
  }
  return { jobId, submitted, classified, steps, lastEvent: jobEvents.at(-1)?.name ?? '' };
}

function runnerUpOf(decision: events.DecisionRecord | undefined): RunnerUp | undefined {
  if (decision === undefined) return undefined;
  const chosen = decision.candidates.find((c) => c.providerId === decision.chosenProviderId) ?? decision.candidates[0];
  const second = decision.candidates.find((c) => c !== chosen);
  if (chosen === undefined || second === undefined) return undefined;
  const comparisons = (chosen.score?.terms ?? []).map((term): FactorComparison => {
    const other = second.score?.terms.find((t) => t.factor === term.factor);
    return {
      factor: term.factor,
      chosenValue: rawFactor(term.factor, chosen.factors),
      runnerUpValue: rawFactor(term.factor, second.factors),
      chosenContribution: term.contribution,
      runnerUpContribution: other?.contribution ?? 0,
    };
  });
  const shortfall = (c: FactorComparison) => c.chosenContribution - c.runnerUpContribution;
  return {
    providerId: second.providerId,
    operatorId: second.operatorId,
    gap: (chosen.score?.total ?? 0) - (second.score?.total ?? 0),
    lacked: comparisons.filter((c) => shortfall(c) > 0).sort((a, b) => shortfall(b) - shortfall(a) || a.factor.localeCompare(b.factor)),
    ahead: comparisons.filter((c) => shortfall(c) < 0).sort((a, b) => shortfall(a) - shortfall(b) || a.factor.localeCompare(b.factor)),
  };
}

/** The recorded input behind a score term, in its own unit. */
export function rawFactor(factor: string, factors: events.CandidateFactors | undefined): string {
  if (factors === undefined) return '?';
  switch (factor) {
    case 'latency':
      return `${factors.advertisedLatencyMs} ms`;
    case 'reputation':
      return `${factors.reputationBp} bp`;
    case 'price':
      return `${tokens(factors.pricePerGpuHourBaseUnits)}/GPU-h`;
    case 'operator_share':
      return `${factors.operatorShareBp} bp`;
    case 'transfer_time':
      return `${bytesLabel(factors.fetchBytes)} to fetch in ${secondsLabel(factors.fetchMs)}`;
    case 'transfer_price':
      return `${bytesLabel(factors.fetchBytes)} to fetch for ${tokens(factors.transferPriceBaseUnits || '0')}`;
    default:
      return '?';
  }
}

/** Bytes in the largest decimal unit that keeps a whole number before the point (GB = 10^9 bytes). */
export function bytesLabel(bytes: string | undefined): string {
  const n = BigInt(bytes || '0');
  const units: [bigint, string][] = [
    [1_000_000_000_000n, 'TB'],
    [1_000_000_000n, 'GB'],
    [1_000_000n, 'MB'],
    [1_000n, 'kB'],
  ];
  for (const [size, unit] of units) if (n >= size) return `${(Number((n * 10n) / size) / 10).toFixed(1)} ${unit}`;
  return `${n} B`;
}

function secondsLabel(ms: string | undefined): string {
  return `${(Number(ms || '0') / 1000).toFixed(1)} s`;
}
