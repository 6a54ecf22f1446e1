// The jobs topic, consumer group `placement`: records submitted jobs, places classified and
// requeued ones, cancels on request. Each event is applied in one transaction with its inbox
// record (applied once) and its outbox rows (published after commit).
import { Controller, Inject, Logger, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { api, events } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import { EVENT_LOG_TRANSPORT, EventHandlerErrorFilter, EventLogContext, type EventOutcome } from '@switchyard/event-runtime';
import type { EntityManager } from 'typeorm';
import { isPlacedTier, toTimestamp, type PlacementPolicy } from './domain/index.js';
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

/** Whether an applied event may have freed GPUs for queued jobs (checked after its commit). */
export function mayFreeCapacity(event: LoggedEvent, outcome: EventOutcome): boolean {
  return outcome === 'applied' && event.envelope.type === 'switchyard.events.v1.JobCancelRequested';
}

// Nest types an event handler's extra arguments as unknown; these take the runtime's context.
const on = (type: string): MethodDecorator => EventPattern(`switchyard.events.v1.${type}`, EVENT_LOG_TRANSPORT) as MethodDecorator;

interface Handling {
  manager: EntityManager;
  event: LoggedEvent;
}

function handling(context: EventLogContext): Handling {
  return { manager: context.getManager(), event: context.getEvent() };
}

function jobEvent(context: EventLogContext): events.JobEvent {
  return events.JobEvent.fromJSON(context.getEnvelope().data);
}

@Controller()
@UseFilters(EventHandlerErrorFilter)
export class JobsConsumer {
  private readonly logger = new Logger('JobsConsumer');

  constructor(
    private readonly events: PlacementEvents,
    @Inject(PLACEMENT_POLICY) private readonly policy: PlacementPolicy,
  ) {}

  @on('JobSubmitted')
  submitted(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onSubmitted(jobEvent(context).jobSubmitted!, handling(context));
  }

  @on('JobClassified')
  classified(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onClassified(jobEvent(context).jobClassified!, handling(context));
  }

  @on('JobRequeued')
  requeued(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onRequeued(jobEvent(context).jobRequeued!, handling(context));
  }

  @on('JobCancelRequested')
  cancelRequested(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onCancelRequested(jobEvent(context).jobCancelRequested!, handling(context));
  }

  private async onSubmitted(submitted: events.JobSubmitted, { manager, event }: Handling): Promise<void> {
    if (submitted.spec === undefined) {
      this.logger.warn(`JobSubmitted ${event.envelope.id} for ${submitted.jobId} has no spec; not placeable`);
      return;
    }
    const submittedAt = submitted.submittedAt ? timestampDate(submitted.submittedAt) : new Date(event.envelope.time);
    await insertSubmittedJob(manager, { jobId: submitted.jobId, tenantId: submitted.tenantId, spec: submitted.spec, submittedAt });
  }

  private async onClassified(classified: events.JobClassified, { manager, event }: Handling): Promise<void> {
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

  private async onRequeued(requeued: events.JobRequeued, { manager, event }: Handling): Promise<void> {
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

  private async onCancelRequested(request: events.JobCancelRequested, { manager, event }: Handling): Promise<void> {
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
