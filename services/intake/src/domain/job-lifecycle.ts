// The job as its tenant sees it (switchyard.v1.Job), folded from the jobs topic. Pure: the time
// of each step comes from the event (or its envelope), never from a clock.
import { api, type events } from '@switchyard/contracts/messages';
import type { JobEvent } from './job-event.js';
import { isTerminal } from './job-states.js';
import { NO_USAGE, settle, type UsageTally } from './settlement.js';

export { isTerminal, TERMINAL_STATES } from './job-states.js';

export type Evolution =
  { readonly kind: 'applied'; readonly job: api.Job; readonly detail: string } | { readonly kind: 'ignored'; readonly reason: string };

/** The job a JobSubmitted creates. */
export function jobFromSubmission(submitted: events.JobSubmitted): api.Job {
  return {
    id: submitted.jobId,
    state: api.JobState.JOB_STATE_SUBMITTED,
    tier: api.Tier.TIER_UNSPECIFIED,
    spec: submitted.spec,
    placement: undefined,
    attempts: 0,
    quote: submitted.quote,
    idempotencyKey: submitted.idempotencyKey,
    cancelRequested: false,
    settlementState: api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED,
    failureCategory: api.FailureCategory.FAILURE_CATEGORY_UNSPECIFIED,
    failureMessage: '',
    resultHash: '',
    submittedAt: submitted.submittedAt,
    classifiedAt: undefined,
    startedAt: undefined,
    finishedAt: undefined,
    updatedAt: submitted.submittedAt,
    queue: undefined,
  };
}

/**
 * The job after `event`, which happened at `at` (the envelope's time), its settlement state
 * following `usage` (what the usage and ledger topics said of it so far). A terminal job stays
 * as it is: a late event for it (e.g. JobPlaced racing a cancellation) changes nothing.
 */
export function evolveJob(job: api.Job, event: JobEvent, at: api.Timestamp, usage: UsageTally = NO_USAGE): Evolution {
  const evolution = evolveState(job, event, at);
  return evolution.kind === 'applied' ? { ...evolution, job: settle(evolution.job, usage) } : evolution;
}

function evolveState(job: api.Job, event: JobEvent, at: api.Timestamp): Evolution {
  if (event.type === 'JobSubmitted') return { kind: 'ignored', reason: 'the job already exists' };
  if (isTerminal(job.state)) return { kind: 'ignored', reason: `the job is already ${job.state}` };
  // Only a JobQueued (or a relaxed exclusion, which leaves the job waiting) keeps the queue status.
  const leavesQueue = event.type !== 'JobQueued' && event.type !== 'JobExclusionRelaxed';
  const touched: api.Job = { ...job, updatedAt: at, ...(leavesQueue ? { queue: undefined } : {}) };
  switch (event.type) {
    case 'JobClassified':
    case 'JobQueued':
    case 'JobPlaced':
    case 'JobRequeued':
    case 'JobStarted':
    case 'JobExclusionRelaxed':
      return evolveProgress(touched, event, at);
    case 'JobCompleted':
    case 'JobFailed':
    case 'JobCancelRequested':
    case 'JobCancelled':
    case 'JobExpired':
      return evolveOutcome(touched, event, at);
    default:
      return assertNever(event);
  }
}

type ProgressEvent = Extract<
  JobEvent,
  { type: 'JobClassified' | 'JobQueued' | 'JobPlaced' | 'JobRequeued' | 'JobStarted' | 'JobExclusionRelaxed' }
>;
type OutcomeEvent = Extract<JobEvent, { type: 'JobCompleted' | 'JobFailed' | 'JobCancelRequested' | 'JobCancelled' | 'JobExpired' }>;

function evolveProgress(job: api.Job, event: ProgressEvent, at: api.Timestamp): Evolution {
  switch (event.type) {
    case 'JobClassified': {
      const { tier, classifiedAt, matchedRuleId } = event.payload;
      const detail = `tier ${tier} by rule ${matchedRuleId}${event.payload.reasons.length ? `: ${event.payload.reasons.join('; ')}` : ''}`;
      return applied({ ...job, state: api.JobState.JOB_STATE_CLASSIFIED, tier, classifiedAt: classifiedAt ?? at }, detail);
    }
    case 'JobQueued': {
      const { reasons, rejections, queuedAt } = event.payload;
      const checkedAt = queuedAt ?? at;
      const queue: api.QueueStatus = {
        reasons,
        rejections: Object.fromEntries(rejections.map((r) => [r.reason, r.count])),
        queuedSince: job.queue?.queuedSince ?? checkedAt,
        lastCheckedAt: checkedAt,
      };
      return applied({ ...job, state: api.JobState.JOB_STATE_QUEUED, queue }, reasons.join('; '));
    }
    case 'JobPlaced': {
      const { providerId, attempt, decision } = event.payload;
      const gangMembers = event.payload.gangMembers ?? [];
      // The region is the chosen candidate's, when the decision record lists it.
      const region = decision?.candidates.find((c) => c.providerId === providerId)?.factors?.region ?? '';
      const placement = { providerId, region, attempt, placedAt: decision?.decidedAt ?? at, gangMembers };
      const where =
        gangMembers.length > 1
          ? `a gang of ${gangMembers.length} providers led by ${providerId} (${gangMembers.map((m) => `${m.providerId}×${m.gpuCount}`).join(', ')})`
          : providerId;
      return applied(
        { ...job, state: api.JobState.JOB_STATE_PLACED, placement, attempts: Math.max(job.attempts, attempt) },
        `placed on ${where}`,
      );
    }
    case 'JobRequeued': {
      const { reason, previousProviderId, attempt } = event.payload;
      return applied(
        { ...job, state: api.JobState.JOB_STATE_REQUEUED, placement: undefined },
        `attempt ${attempt} after ${reason} on ${previousProviderId}`,
      );
    }
    case 'JobStarted':
      return applied(
        { ...job, state: api.JobState.JOB_STATE_RUNNING, startedAt: event.payload.startedAt ?? at },
        `running on ${event.payload.providerId}`,
      );
    case 'JobExclusionRelaxed': {
      // The job stays queued; its history says it may now run where it failed before, and why.
      const { relaxedProviderIds, reason } = event.payload;
      return applied(job, `exclusion of ${relaxedProviderIds.join(', ')} relaxed: ${reason}`);
    }
    default:
      return assertNever(event);
  }
}

function evolveOutcome(job: api.Job, event: OutcomeEvent, at: api.Timestamp): Evolution {
  switch (event.type) {
    case 'JobCompleted': {
      const finishedAt = event.payload.completedAt ?? at;
      const done = { ...job, state: api.JobState.JOB_STATE_COMPLETED, resultHash: event.payload.resultHash, finishedAt };
      return applied(done, '');
    }
    case 'JobFailed': {
      const { category, message } = event.payload;
      const failed = { ...job, state: api.JobState.JOB_STATE_FAILED, failureCategory: category, failureMessage: message };
      return applied({ ...failed, finishedAt: event.payload.failedAt ?? at }, message);
    }
    case 'JobCancelRequested':
      if (job.cancelRequested) return { kind: 'ignored', reason: 'cancellation already requested' };
      return applied({ ...job, cancelRequested: true }, event.payload.reason);
    case 'JobCancelled':
      return applied(
        { ...job, state: api.JobState.JOB_STATE_CANCELLED, finishedAt: event.payload.cancelledAt ?? at },
        event.payload.reason,
      );
    case 'JobExpired':
      return applied({ ...job, state: api.JobState.JOB_STATE_EXPIRED, finishedAt: event.payload.expiredAt ?? at }, 'deadline passed');
    default:
      return assertNever(event);
  }
}

const applied = (job: api.Job, detail: string): Evolution => ({ kind: 'applied', job, detail });

function assertNever(event: never): never {
  throw new Error(`unhandled job event ${JSON.stringify(event)}`);
}
