// The jobs topic, folded into what metering prices with: tenant and GPU class (JobSubmitted),
// tier (JobClassified), provider -> operator (JobPlaced). When a job becomes priceable, the usage
// reports parked for it are metered in the same transaction. A partition's run of these events is
// applied at once (one upsert of the jobs, one of the operators, one read of the parked reports);
// the per-event handlers are the same code on a run of one.
import { Injectable } from '@nestjs/common';
import { dateOf, EVENT_TYPE_PREFIX, requireEvent } from '@switchyard/contracts';
import type { BatchHandling, EventHandler, EventHandlingContext } from '@switchyard/event-runtime';
import type { LoggedEvent } from '@switchyard/event-log';
import type { MeteredJob } from './domain/index.js';
import { priceableJob, recordFacts, recordProviderOperators, type JobFacts, type JobRow } from './persistence/job-projection.js';
import { pendingReportsOf } from './persistence/usage-rows.js';
import { UsageRecorder } from './usage-recorder.js';

const SUBMITTED = `${EVENT_TYPE_PREFIX}JobSubmitted`;
const CLASSIFIED = `${EVENT_TYPE_PREFIX}JobClassified`;
const PLACED = `${EVENT_TYPE_PREFIX}JobPlaced`;

/** The job event types metering folds; each has a per-event handler and goes through the batch handler. */
export const FOLDED_JOB_EVENT_TYPES = [SUBMITTED, CLASSIFIED, PLACED];

/** Job events metering has no use for; any other type without a handler is warned about. */
export const IGNORED_JOB_EVENT_TYPES = [
  'JobQueued',
  'JobRequeued',
  'JobStarted',
  'JobCompleted',
  'JobFailed',
  'JobCancelRequested',
  'JobCancelled',
  'JobExpired',
].map((name) => EVENT_TYPE_PREFIX + name);

type JobFact =
  | { readonly kind: 'job'; readonly jobId: string; readonly apply: (facts: JobFacts) => JobFacts; readonly event: LoggedEvent }
  | { readonly kind: 'operator'; readonly providerId: string; readonly operatorId: string };

/** What one event says, as a change to its job's facts (or a provider's operator); null when nothing. */
function factOf(event: LoggedEvent): JobFact | null {
  switch (event.envelope.type) {
    case SUBMITTED: {
      const submitted = requireEvent('job', event.envelope, 'jobSubmitted');
      const fact = {
        tenantId: submitted.tenantId,
        gpuClass: submitted.spec?.gpuClass ?? '',
        submittedAt: dateOf(submitted.submittedAt) ?? null,
      };
      return { kind: 'job', jobId: submitted.jobId, apply: (facts) => ({ ...facts, submitted: fact }), event };
    }
    case CLASSIFIED: {
      const classified = requireEvent('job', event.envelope, 'jobClassified');
      const fact = { tier: classified.tier, classifiedAt: dateOf(classified.classifiedAt) ?? null };
      return { kind: 'job', jobId: classified.jobId, apply: (facts) => ({ ...facts, classified: fact }), event };
    }
    case PLACED: {
      const placed = requireEvent('job', event.envelope, 'jobPlaced');
      if (placed.providerId === '' || placed.operatorId === '') return null;
      return { kind: 'operator', providerId: placed.providerId, operatorId: placed.operatorId };
    }
    default:
      throw new Error(`metering does not fold ${event.envelope.type}`);
  }
}

/** The row as it stands after the fact. */
function rowAfter(row: JobRow, facts: JobFacts): JobRow {
  return {
    jobId: row.jobId,
    tenantId: facts.submitted?.tenantId ?? row.tenantId,
    gpuClass: facts.submitted ? facts.submitted.gpuClass : row.gpuClass,
    tier: facts.classified?.tier ?? row.tier,
  };
}

@Injectable()
export class JobsConsumer {
  constructor(private readonly recorder: UsageRecorder) {}

  handlers(): Map<string, EventHandler> {
    const handler: EventHandler = (event, context) => this.apply([event], context);
    return new Map(FOLDED_JOB_EVENT_TYPES.map((type) => [type, handler]));
  }

  batchHandling(): BatchHandling {
    return { types: new Set(FOLDED_JOB_EVENT_TYPES), handle: (events, context) => this.apply(events, context) };
  }

  /** Applies a run of job events (log order) as the per-event handlers would one after the other. */
  private async apply(events: readonly LoggedEvent[], context: Omit<EventHandlingContext, 'event'>): Promise<void> {
    const facts = events.map(factOf).filter((fact) => fact !== null);
    const folded = new Map<string, JobFacts>();
    const operators = new Map<string, string>();
    for (const fact of facts) {
      if (fact.kind === 'operator')
        operators.set(fact.providerId, fact.operatorId); // the last one wins, as per event
      else folded.set(fact.jobId, fact.apply(folded.get(fact.jobId) ?? { jobId: fact.jobId }));
    }
    const current = folded.size > 0 ? await recordFacts(context.manager, [...folded.values()]) : new Map<string, JobRow>();
    await recordProviderOperators(context.manager, operators);

    // Replays the run from each job's row before it: where an event left the job priceable, the
    // per-event handler would have metered what was then still parked, with that event's time.
    const triggers: { jobId: string; job: MeteredJob; time: string }[] = [];
    for (const fact of facts) {
      if (fact.kind !== 'job') continue;
      const row = rowAfter(current.get(fact.jobId)!, fact.apply({ jobId: fact.jobId }));
      current.set(fact.jobId, row);
      const job = priceableJob(row);
      if (job) triggers.push({ jobId: fact.jobId, job, time: fact.event.envelope.time });
    }
    if (triggers.length === 0) return;
    const parked = await pendingReportsOf(context.manager, [...new Set(triggers.map((t) => t.jobId))]);
    for (const { jobId, job, time } of triggers) {
      const reports = parked.get(jobId);
      if (!reports || reports.length === 0) continue;
      parked.set(
        jobId,
        await this.recorder.meterParked(context.manager, reports, job, time, (topic, envelopes) => context.emit(topic, envelopes)),
      );
    }
  }
}
