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
import { jobRow, lockJobs, newJob, recordOperators, saveJobs, type JobRow, type JobState } from './persistence/job-sla-store.js';
import { appendPenalty, appendPosting, jobCharges } from './persistence/ledger-store.js';
import { PAYOUT_CONFIG } from './tokens.js';

const TYPE = 'switchyard.events.v1.';

/** The job facts a run of which is folded in memory and written at once (see applyFacts). */
export const FOLDED_JOB_EVENT_TYPES = ['JobSubmitted', 'JobClassified', 'JobPlaced', 'JobStarted'].map((name) => TYPE + name);

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
    return this.applyFacts([context.getEvent()], context.handling());
  }

  @on('JobClassified')
  classified(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.applyFacts([context.getEvent()], context.handling());
  }

  @on('JobPlaced')
  placed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.applyFacts([context.getEvent()], context.handling());
  }

  @on('JobRequeued')
  requeued(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onRequeued(context.getEvent(), context.handling());
  }

  @on('JobStarted')
  started(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.applyFacts([context.getEvent()], context.handling());
  }

  @on('JobCompleted')
  completed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onCompleted(context.getEvent(), context.handling());
  }

  @on('JobFailed')
  failed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.onFailed(context.getEvent(), context.handling());
  }

  /**
   * Applies a run of JobSubmitted, JobClassified, JobPlaced and JobStarted (each per-event handler
   * is a run of one): the run's jobs' rows are read and locked at once, each job's facts are folded
   * in log order, then the jobs and their providers' operators are written in one statement each.
   */
  async applyFacts(run: readonly LoggedEvent[], { manager }: Pick<EventHandlingContext, 'manager'>): Promise<void> {
    const facts = run.map(({ envelope }) => factOf(envelope));
    const jobs = new Map((await lockJobs(manager, [...new Set(facts.map((fact) => fact.jobId))])).map((row) => [row.job_id, row]));
    const changed = new Set<JobState>();
    const operators = new Map<string, string>();
    const job = (jobId: string): JobState => {
      const row = jobs.get(jobId) ?? newJob(jobId);
      jobs.set(jobId, row);
      changed.add(row);
      return row;
    };
    for (const fact of facts) {
      if (fact.submitted) {
        const submitted = fact.submitted;
        Object.assign(job(fact.jobId), {
          tenant_id: submitted.tenantId || null,
          max_latency_ms: submitted.spec?.maxLatencyMs ?? 0,
          deadline: dateOf(submitted.spec?.deadline) ?? null,
        });
      } else if (fact.classified) {
        job(fact.jobId).tier = fact.classified.tier;
      } else if (fact.placed) {
        const placed = fact.placed;
        const tier = placed.decision?.tier;
        const row = job(fact.jobId);
        Object.assign(row, {
          provider_id: placed.providerId,
          attempt: placed.attempt,
          placed_event_id: fact.eventId,
          placed_at: dateOf(placed.decision?.decidedAt) ?? fact.time,
          started_at: null,
          ...(tier !== undefined && tier !== api.Tier.TIER_UNSPECIFIED ? { tier } : {}),
        });
        // A gang split over providers runs on one operator's providers: the operator reads every
        // member's account, and each member's share of the attempt's usage is paid from this record.
        if (placed.gangMembers.length > 0) {
          const listed = placed.gangMembers.map((member) => ({ providerId: member.providerId, gpuCount: member.gpuCount }));
          row.gang_members = { ...row.gang_members, [String(placed.attempt)]: listed };
        }
        if (placed.operatorId === '') continue;
        for (const providerId of [placed.providerId, ...placed.gangMembers.map((member) => member.providerId)]) {
          operators.set(providerId, placed.operatorId);
        }
      } else if (fact.started) {
        // An unknown job, or a start of an attempt other than the current one, changes nothing.
        const row = jobs.get(fact.jobId);
        if (!row || row.attempt !== fact.started.attempt) continue;
        row.started_at = dateOf(fact.started.startedAt) ?? fact.time;
        changed.add(row);
      }
    }
    await saveJobs(manager, [...changed]);
    await recordOperators(manager, operators);
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

interface JobFact {
  jobId: string;
  eventId: string;
  time: Date;
  submitted?: ReturnType<typeof requireEvent<'job', 'jobSubmitted'>>;
  classified?: ReturnType<typeof requireEvent<'job', 'jobClassified'>>;
  placed?: ReturnType<typeof requireEvent<'job', 'jobPlaced'>>;
  started?: ReturnType<typeof requireEvent<'job', 'jobStarted'>>;
}

function factOf(envelope: LoggedEvent['envelope']): JobFact {
  const at = { eventId: envelope.id, time: new Date(envelope.time) };
  switch (envelope.type) {
    case TYPE + 'JobSubmitted': {
      const submitted = requireEvent('job', envelope, 'jobSubmitted');
      return { jobId: submitted.jobId, ...at, submitted };
    }
    case TYPE + 'JobClassified': {
      const classified = requireEvent('job', envelope, 'jobClassified');
      return { jobId: classified.jobId, ...at, classified };
    }
    case TYPE + 'JobPlaced': {
      const placed = requireEvent('job', envelope, 'jobPlaced');
      return { jobId: placed.jobId, ...at, placed };
    }
    case TYPE + 'JobStarted': {
      const started = requireEvent('job', envelope, 'jobStarted');
      return { jobId: started.jobId, ...at, started };
    }
    default:
      throw new Error(`${envelope.type} ${envelope.id} is not a job fact payout folds`);
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
