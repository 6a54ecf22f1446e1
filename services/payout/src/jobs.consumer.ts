// The jobs topic: payout folds what the penalty decider needs (tenant, tier, latency bound,
// current placement) and, when a job's attempt ends, asks whether its provider broke the SLA.
import { Controller, Inject, Logger, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { api, dateOf, requireEvent, type TopicName } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import { EVENT_LOG_TRANSPORT, EventHandlerErrorFilter, type EventHandlingContext, type EventLogContext } from '@switchyard/event-runtime';
import type { PayoutConfig } from './config.js';
import { assessPenalty, type JobOutcome, type JobSla } from './domain/index.js';
import { penaltyAssessed, postingRecorded } from './ledger-events.js';
import { TOPIC_NAMES } from '@switchyard/service-host';
import { jobRow, recordGang, recordOperator, recordStarted, upsertJob, type JobRow } from './persistence/job-sla-store.js';
import { appendPenalty, appendPosting, jobCharges } from './persistence/ledger-store.js';
import { PAYOUT_CONFIG } from './tokens.js';

const TYPE = 'switchyard.events.v1.';

/** Job events that change nothing payout keeps (a cancelled or expired job is no provider's breach). */
export const IGNORED_JOB_EVENT_TYPES = ['JobQueued', 'JobCancelRequested', 'JobCancelled', 'JobExpired'].map((name) => TYPE + name);

// Nest types an event handler's extra arguments as unknown; the cast takes the runtime's context.
const on = (name: string): MethodDecorator => EventPattern(TYPE + name, EVENT_LOG_TRANSPORT) as MethodDecorator;

@Controller()
@UseFilters(EventHandlerErrorFilter)
export class JobsConsumer {
  private readonly logger = new Logger('JobsConsumer');

  constructor(
    @Inject(TOPIC_NAMES) private readonly topics: Readonly<Record<TopicName, string>>,
    @Inject(PAYOUT_CONFIG) private readonly config: PayoutConfig,
  ) {}

  @on('JobSubmitted')
  submitted(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onSubmitted(context.getEvent(), context.handling());
  }

  @on('JobClassified')
  classified(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onClassified(context.getEvent(), context.handling());
  }

  @on('JobPlaced')
  placed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onPlaced(context.getEvent(), context.handling());
  }

  @on('JobRequeued')
  requeued(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onRequeued(context.getEvent(), context.handling());
  }

  @on('JobStarted')
  started(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onStarted(context.getEvent(), context.handling());
  }

  @on('JobCompleted')
  completed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onCompleted(context.getEvent(), context.handling());
  }

  @on('JobFailed')
  failed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onFailed(context.getEvent(), context.handling());
  }

  private async onSubmitted({ envelope }: LoggedEvent, { manager }: EventHandlingContext): Promise<void> {
    const submitted = requireEvent('job', envelope, 'jobSubmitted');
    await upsertJob(manager, submitted.jobId, {
      tenant_id: submitted.tenantId || null,
      max_latency_ms: submitted.spec?.maxLatencyMs ?? 0,
      deadline: dateOf(submitted.spec?.deadline) ?? null,
    });
  }

  private async onClassified({ envelope }: LoggedEvent, { manager }: EventHandlingContext): Promise<void> {
    const classified = requireEvent('job', envelope, 'jobClassified');
    await upsertJob(manager, classified.jobId, { tier: classified.tier });
  }

  private async onPlaced({ envelope }: LoggedEvent, { manager }: EventHandlingContext): Promise<void> {
    const placed = requireEvent('job', envelope, 'jobPlaced');
    const tier = placed.decision?.tier;
    await upsertJob(manager, placed.jobId, {
      provider_id: placed.providerId,
      attempt: placed.attempt,
      placed_event_id: envelope.id,
      placed_at: dateOf(placed.decision?.decidedAt) ?? new Date(envelope.time),
      started_at: null,
      ...(tier !== undefined && tier !== api.Tier.TIER_UNSPECIFIED ? { tier } : {}),
    });
    // A gang split over providers runs on one operator's providers: the operator reads every
    // member's account, and each member's share of the attempt's usage is paid from this record.
    if (placed.gangMembers.length > 0) await recordGang(manager, placed.jobId, placed.attempt, placed.gangMembers);
    if (placed.operatorId === '') return;
    const providers = new Set([placed.providerId, ...placed.gangMembers.map((member) => member.providerId)]);
    for (const providerId of providers) await recordOperator(manager, providerId, placed.operatorId);
  }

  private async onRequeued({ envelope }: LoggedEvent, context: EventHandlingContext): Promise<void> {
    const requeued = requireEvent('job', envelope, 'jobRequeued');
    await this.judge(requeued.jobId, envelope.id, envelope.traceparent, context, {
      kind: 'requeued',
      eventId: envelope.id,
      providerId: requeued.previousProviderId,
      attempt: requeued.attempt - 1,
      reason: requeued.reason,
      fault: requeued.fault,
      at: dateOf(requeued.requeuedAt) ?? new Date(envelope.time),
    });
  }

  private async onStarted({ envelope }: LoggedEvent, { manager }: EventHandlingContext): Promise<void> {
    const started = requireEvent('job', envelope, 'jobStarted');
    // An unknown job, or a start of an attempt other than the current one, changes nothing.
    await recordStarted(manager, started.jobId, started.attempt, dateOf(started.startedAt) ?? new Date(envelope.time));
  }

  private async onCompleted({ envelope }: LoggedEvent, context: EventHandlingContext): Promise<void> {
    const completed = requireEvent('job', envelope, 'jobCompleted');
    await this.judge(completed.jobId, envelope.id, envelope.traceparent, context, {
      kind: 'completed',
      eventId: envelope.id,
      providerId: completed.providerId,
      attempt: completed.attempt,
      at: dateOf(completed.completedAt) ?? new Date(envelope.time),
    });
  }

  private async onFailed({ envelope }: LoggedEvent, context: EventHandlingContext): Promise<void> {
    const failed = requireEvent('job', envelope, 'jobFailed');
    await this.judge(failed.jobId, envelope.id, envelope.traceparent, context, {
      kind: 'failed',
      eventId: envelope.id,
      providerId: failed.providerId,
      attempt: failed.attempt,
      source: failed.source,
      category: failed.category,
      fault: failed.fault,
      at: dateOf(failed.failedAt) ?? new Date(envelope.time),
    });
  }

  private async judge(
    jobId: string,
    eventId: string,
    traceparent: string | undefined,
    { manager, emit }: EventHandlingContext,
    outcome: JobOutcome,
  ): Promise<void> {
    const row = await jobRow(manager, jobId);
    if (!row?.provider_id || !row.placed_event_id) return;
    const decision = assessPenalty(slaOf(row, await jobCharges(manager, jobId)), outcome, this.config.penaltyPolicy);
    if (!decision) return;
    if (!(await appendPosting(manager, decision.posting, eventId))) {
      this.logger.log(`${decision.penalty.penaltyId} is already assessed; ${eventId} changes nothing`);
      return;
    }
    await appendPenalty(manager, decision.penalty, decision.posting.postingId);
    const cause = { causationId: eventId, correlationId: jobId, ...(traceparent ? { traceparent } : {}) };
    await emit(this.topics.ledger, [penaltyAssessed(decision.penalty, cause), postingRecorded(decision.posting, cause)]);
  }
}

function slaOf(row: JobRow, chargedBaseUnits: bigint): JobSla {
  return {
    jobId: row.job_id,
    ...(row.tenant_id ? { tenantId: row.tenant_id } : {}),
    tier: row.tier as api.Tier,
    providerId: row.provider_id!,
    attempt: row.attempt,
    placedEventId: row.placed_event_id!,
    maxLatencyMs: row.max_latency_ms,
    ...(row.deadline ? { deadline: row.deadline } : {}),
    ...(row.placed_at ? { placedAt: row.placed_at } : {}),
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    chargedBaseUnits,
  };
}
