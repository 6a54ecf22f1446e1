// The jobs topic, consumer group `placement`: records submitted jobs, places classified and
// requeued ones, cancels on request. Each event is applied in one transaction with its inbox
// record (applied once) and its outbox rows (published after commit).
import { Inject, Injectable, Logger } from '@nestjs/common';
import { api, events } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import type { EventHandler, EventHandlingContext, EventOutcome } from '@switchyard/event-runtime';
import { isPlacedTier, toTimestamp, type PlacementPolicy } from './domain/index.js';
import { CapacitySignal } from './capacity-signal.js';
import { jobEnvelope, type Causation } from './event-envelopes.js';
import { PlacementEvents } from './placement-events.js';
import { insertSubmittedJob, isTerminal, lockJob, updateJob } from './persistence/job-rows.js';
import { finishJob } from './placing/job-transitions.js';
import { placeWaitingJob, type PlacementOutcome } from './placing/place-waiting-job.js';
import { PLACEMENT_POLICY } from './tokens.js';

/** Job events placement wrote itself (its state changed when it decided them) or does not act on. */
export const IGNORED_JOB_EVENT_TYPES = [
  'JobQueued',
  'JobPlaced',
  'JobStarted',
  'JobCompleted',
  'JobFailed',
  'JobCancelled',
  'JobExpired',
].map((name) => `switchyard.events.v1.${name}`);

@Injectable()
export class JobsConsumer {
  private readonly logger = new Logger('JobsConsumer');

  constructor(
    private readonly events: PlacementEvents,
    private readonly capacity: CapacitySignal,
    @Inject(PLACEMENT_POLICY) private readonly policy: PlacementPolicy,
  ) {}

  /** After an event's transaction committed: a cancel may have freed GPUs for queued jobs. */
  onCommitted(event: LoggedEvent, outcome: EventOutcome): void {
    if (outcome === 'applied' && event.envelope.type === 'switchyard.events.v1.JobCancelRequested') this.capacity.raise();
  }

  /** Handlers by ce_type, for the event runtime's consumer. */
  handlers(): Map<string, EventHandler> {
    const on = (name: string, handle: (job: events.JobEvent, context: EventHandlingContext) => Promise<void>): [string, EventHandler] => [
      `switchyard.events.v1.${name}`,
      (event, context) => handle(events.JobEvent.fromJSON(event.envelope.data), context),
    ];
    return new Map([
      on('JobSubmitted', (e, c) => this.onSubmitted(e.jobSubmitted!, c)),
      on('JobClassified', (e, c) => this.onClassified(e.jobClassified!, c)),
      on('JobRequeued', (e, c) => this.onRequeued(e.jobRequeued!, c)),
      on('JobCancelRequested', (e, c) => this.onCancelRequested(e.jobCancelRequested!, c)),
    ]);
  }

  private async onSubmitted(submitted: events.JobSubmitted, { manager, event }: EventHandlingContext): Promise<void> {
    if (submitted.spec === undefined) {
      this.logger.warn(`JobSubmitted ${event.envelope.id} for ${submitted.jobId} has no spec; not placeable`);
      return;
    }
    const submittedAt = submitted.submittedAt ? timestampDate(submitted.submittedAt) : new Date(event.envelope.time);
    await insertSubmittedJob(manager, { jobId: submitted.jobId, tenantId: submitted.tenantId, spec: submitted.spec, submittedAt });
  }

  private async onClassified(classified: events.JobClassified, { manager, event }: EventHandlingContext): Promise<void> {
    const job = await lockJob(manager, classified.jobId);
    if (job === undefined) {
      this.logger.warn(`JobClassified for unknown job ${classified.jobId} (no JobSubmitted seen); skipped`);
      return;
    }
    if (job.state !== 'SUBMITTED') return; // classified before, or cancelled meanwhile
    if (!isPlacedTier(classified.tier)) {
      this.logger.warn(`job ${job.jobId} classified as ${classified.tier}, which placement does not place`);
      return;
    }
    await updateJob(manager, job.jobId, { state: 'CLASSIFIED', tier: classified.tier });
    const outcome = await placeWaitingJob({
      manager,
      events: this.events,
      policy: this.policy,
      job: { ...job, state: 'CLASSIFIED', tier: classified.tier },
      at: classified.classifiedAt ?? timestampOf(event),
      announceQueued: true,
      cause: causedBy(event),
    });
    this.logOutcome(job.jobId, job.attempt, outcome);
  }

  private logOutcome(jobId: string, attempt: number, outcome: PlacementOutcome): void {
    const races = outcome.lostRaces > 0 ? ` after ${outcome.lostRaces} lost capacity race(s)` : '';
    if (outcome.type === 'placed') this.logger.log(`placed ${jobId}#${attempt} on ${outcome.providerId}${races}`);
    else this.logger.log(`queued ${jobId}#${attempt}${races}: ${outcome.reasons.join('; ')}`);
  }

  private async onRequeued(requeued: events.JobRequeued, { manager, event }: EventHandlingContext): Promise<void> {
    const job = await lockJob(manager, requeued.jobId);
    // Placed again already, cancelled or expired meanwhile: nothing left to do for this attempt.
    if (job === undefined || job.state !== 'REQUEUED' || job.attempt !== requeued.attempt) return;
    const outcome = await placeWaitingJob({
      manager,
      events: this.events,
      policy: this.policy,
      job,
      at: requeued.requeuedAt ?? timestampOf(event),
      announceQueued: true,
      cause: causedBy(event),
    });
    this.logOutcome(job.jobId, job.attempt, outcome);
  }

  private async onCancelRequested(request: events.JobCancelRequested, { manager, event }: EventHandlingContext): Promise<void> {
    const job = await lockJob(manager, request.jobId);
    if (job === undefined || isTerminal(job.state)) return;
    const holding = job.state === 'PLACED' || job.state === 'RUNNING';
    await finishJob(manager, job, 'CANCELLED', api.StopReason.STOP_REASON_CANCELLED);
    const at = request.requestedAt ?? timestampOf(event);
    await this.events.jobs(
      manager,
      jobEnvelope(
        {
          jobCancelled: {
            jobId: job.jobId,
            attempt: job.attempt,
            providerId: holding ? (job.providerId ?? '') : '',
            reason: request.reason,
            cancelledAt: at,
          },
        },
        at,
        causedBy(event),
      ),
    );
  }
}

function causedBy(event: LoggedEvent): Causation {
  const { id, correlationId, traceparent } = event.envelope;
  return { causationId: id, ...(correlationId ? { correlationId } : {}), ...(traceparent ? { traceparent } : {}) };
}

function timestampOf(event: LoggedEvent): api.Timestamp {
  return toTimestamp(new Date(event.envelope.time).getTime());
}

function timestampDate(timestamp: api.Timestamp): Date {
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000));
}
