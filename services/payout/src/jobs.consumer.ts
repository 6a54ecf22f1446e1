// The jobs topic: payout folds what the penalty decider needs (tenant, tier, latency bound,
// current placement) and, when a job's attempt ends, asks whether its provider broke the SLA.
import { Controller, Inject, Logger, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { api, dateOf, requireEvent, type TopicName } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { EVENT_LOG_TRANSPORT, EventHandlerErrorFilter, type EventHandlingContext, type EventLogContext } from '@switchyard/event-runtime';
import type { PayoutConfig } from './config.js';
import { assessPenalty, type JobOutcome, type JobSla, type PenaltyDecision } from './domain/index.js';
import { penaltyAssessed, postingRecorded } from './ledger-events.js';
import { TOPIC_NAMES } from '@switchyard/service-host';
import { lockJobs, newJob, recordOperators, saveJobs, type JobState } from './persistence/job-sla-store.js';
import { appendPenalties, appendPostings, jobCharges, type PostedPenalty } from './persistence/ledger-store.js';
import { PAYOUT_CONFIG } from './tokens.js';

const TYPE = 'switchyard.events.v1.';

/**
 * The job events a run of which is applied at once (see applyFacts): the facts folded in memory
 * (JobSubmitted, JobClassified, JobPlaced, JobStarted) and the attempt outcomes judged against
 * the fold (JobRequeued, JobCompleted, JobFailed).
 */
export const FOLDED_JOB_EVENT_TYPES = [
  'JobSubmitted',
  'JobClassified',
  'JobPlaced',
  'JobStarted',
  'JobRequeued',
  'JobCompleted',
  'JobFailed',
].map((name) => TYPE + name);

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
    return this.applyFacts([context.getEvent()], context.handling());
  }

  @on('JobStarted')
  started(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.applyFacts([context.getEvent()], context.handling());
  }

  @on('JobCompleted')
  completed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.applyFacts([context.getEvent()], context.handling());
  }

  @on('JobFailed')
  failed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.applyFacts([context.getEvent()], context.handling());
  }

  /**
   * Applies a run of job events (each per-event handler is a run of one): the run's jobs' rows are
   * read and locked at once, and the charges of the jobs whose attempts ended in one read; each
   * job's facts are folded in log order, each outcome judged against the job as folded up to it;
   * then the jobs and their providers' operators are written in one statement each, and the
   * penalties' postings in one.
   */
  async applyFacts(
    run: readonly LoggedEvent[],
    { manager, emit }: Pick<EventHandlingContext, 'manager'> & Partial<Pick<EventHandlingContext, 'emit'>>,
  ): Promise<void> {
    const facts = run.map(({ envelope }) => factOf(envelope));
    const jobs = new Map((await lockJobs(manager, [...new Set(facts.map((fact) => fact.jobId))])).map((row) => [row.job_id, row]));
    const ended = [...new Set(facts.filter((fact) => fact.outcome).map((fact) => fact.jobId))];
    const charges = ended.length > 0 ? await jobCharges(manager, ended) : new Map<string, bigint>();
    const decisions: { decision: PenaltyDecision; fact: JobFact }[] = [];
    const changed = new Set<JobState>();
    const operators = new Map<string, string>();
    const job = (jobId: string): JobState => {
      const row = jobs.get(jobId) ?? newJob(jobId);
      jobs.set(jobId, row);
      changed.add(row);
      return row;
    };
    for (const fact of facts) {
      if (fact.outcome) {
        // Judged against the job as folded so far; an unknown or unplaced job is no one's breach.
        const row = jobs.get(fact.jobId);
        if (!row?.provider_id || !row.placed_event_id) continue;
        const decision = assessPenalty(slaOf(row, charges.get(fact.jobId) ?? 0n), fact.outcome, this.config.penaltyPolicy);
        if (decision) decisions.push({ decision, fact });
      } else if (fact.submitted) {
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
    if (decisions.length === 0) return;
    const appended = await appendPostings(
      manager,
      decisions.map(({ decision, fact }) => ({ posting: decision.posting, causeId: fact.eventId })),
    );
    const outgoing: EventEnvelope[] = [];
    const penalties: PostedPenalty[] = [];
    for (const { decision, fact } of decisions) {
      if (!appended.delete(decision.posting.postingId)) {
        this.logger.log(`${decision.penalty.penaltyId} is already assessed; ${fact.eventId} changes nothing`);
        continue;
      }
      penalties.push({ penalty: decision.penalty, postingId: decision.posting.postingId });
      const cause = {
        causationId: fact.eventId,
        correlationId: fact.jobId,
        ...(fact.traceparent ? { traceparent: fact.traceparent } : {}),
      };
      outgoing.push(penaltyAssessed(decision.penalty, cause), postingRecorded(decision.posting, cause));
    }
    await appendPenalties(manager, penalties);
    if (outgoing.length === 0) return;
    if (!emit) throw new Error('a run that assesses penalties needs emit');
    await emit(this.topics.ledger, outgoing);
  }
}

interface JobFact {
  jobId: string;
  eventId: string;
  traceparent: string | undefined;
  time: Date;
  /** An attempt ended (JobRequeued, JobCompleted, JobFailed): judged, folds nothing. */
  outcome?: JobOutcome;
  submitted?: ReturnType<typeof requireEvent<'job', 'jobSubmitted'>>;
  classified?: ReturnType<typeof requireEvent<'job', 'jobClassified'>>;
  placed?: ReturnType<typeof requireEvent<'job', 'jobPlaced'>>;
  started?: ReturnType<typeof requireEvent<'job', 'jobStarted'>>;
}

function factOf(envelope: LoggedEvent['envelope']): JobFact {
  const at = { eventId: envelope.id, traceparent: envelope.traceparent, time: new Date(envelope.time) };
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
    case TYPE + 'JobRequeued': {
      const requeued = requireEvent('job', envelope, 'jobRequeued');
      const outcome: JobOutcome = {
        kind: 'requeued',
        eventId: envelope.id,
        providerId: requeued.previousProviderId,
        attempt: requeued.attempt - 1,
        reason: requeued.reason,
        fault: requeued.fault,
        at: dateOf(requeued.requeuedAt) ?? at.time,
      };
      return { jobId: requeued.jobId, ...at, outcome };
    }
    case TYPE + 'JobCompleted': {
      const completed = requireEvent('job', envelope, 'jobCompleted');
      const outcome: JobOutcome = {
        kind: 'completed',
        eventId: envelope.id,
        providerId: completed.providerId,
        attempt: completed.attempt,
        at: dateOf(completed.completedAt) ?? at.time,
      };
      return { jobId: completed.jobId, ...at, outcome };
    }
    case TYPE + 'JobFailed': {
      const failed = requireEvent('job', envelope, 'jobFailed');
      const outcome: JobOutcome = {
        kind: 'failed',
        eventId: envelope.id,
        providerId: failed.providerId,
        attempt: failed.attempt,
        source: failed.source,
        category: failed.category,
        fault: failed.fault,
        at: dateOf(failed.failedAt) ?? at.time,
      };
      return { jobId: failed.jobId, ...at, outcome };
    }
    default:
      throw new Error(`${envelope.type} ${envelope.id} is not a job event payout applies`);
  }
}

/** A timestamp of a folded row: a Date set from an event, or the text a locked read returns. */
const instant = (value: Date | string | null): Date | undefined =>
  value === null ? undefined : value instanceof Date ? value : new Date(value);

function slaOf(row: JobState, chargedBaseUnits: bigint): JobSla {
  return {
    jobId: row.job_id,
    ...(row.tenant_id ? { tenantId: row.tenant_id } : {}),
    tier: row.tier as api.Tier,
    providerId: row.provider_id!,
    attempt: row.attempt,
    placedEventId: row.placed_event_id!,
    maxLatencyMs: row.max_latency_ms,
    ...(row.deadline ? { deadline: instant(row.deadline)! } : {}),
    ...(row.placed_at ? { placedAt: instant(row.placed_at)! } : {}),
    ...(row.started_at ? { startedAt: instant(row.started_at)! } : {}),
    chargedBaseUnits,
  };
}
