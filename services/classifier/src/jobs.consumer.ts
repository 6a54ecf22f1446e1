// The classifier's adapter on the jobs topic: parse JobSubmitted, call the pure decider with the
// policy in force, emit JobClassified through the outbox (same transaction as the inbox record).
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { events, JOB_EVENT_TYPES, jobEventEnvelope } from '@switchyard/contracts';
import { EVENT_LOG_TRANSPORT, EventHandlerErrorFilter, EventLogContext } from '@switchyard/event-runtime';
import { classifyJob } from './domain/index.js';
import type { TierPolicyWatcher } from './policy/index.js';

export const JOBS_TOPIC = Symbol('classifier.jobs-topic');
export const TIER_POLICY = Symbol('classifier.tier-policy');

/** Job events the classifier does not act on: later lifecycle steps decided by other services. */
export const IGNORED_JOB_EVENT_TYPES = JOB_EVENT_TYPES.filter((type) => type !== 'switchyard.events.v1.JobSubmitted');

// Handler errors reach the runtime as they are, so retries log them and dead letters record them.
@UseFilters(new EventHandlerErrorFilter())
@Controller()
export class JobsConsumer {
  constructor(
    @Inject(TIER_POLICY) private readonly policy: Pick<TierPolicyWatcher, 'current'>,
    @Inject(JOBS_TOPIC) private readonly jobsTopic: string,
  ) {}

  @EventPattern<string>('switchyard.events.v1.JobSubmitted', EVENT_LOG_TRANSPORT)
  async onJobSubmitted(@Payload() data: unknown, @Ctx() context: EventLogContext): Promise<void> {
    const submitted = events.JobEvent.fromJSON(data).jobSubmitted;
    const cause = context.getEnvelope();
    if (!submitted?.jobId) throw new Error(`JobSubmitted ${cause.id} has no job id`);
    const jobClassified = classifyJob(submitted, this.policy.current);
    await context.emit(
      this.jobsTopic,
      jobEventEnvelope(
        { jobClassified },
        {
          source: '/switchyard/classifier',
          // Derived from the cause: classifying the same submission again yields the same event id.
          id: `${cause.id}:classified`,
          time: jobClassified.classifiedAt ?? cause.time,
          causationId: cause.id,
          correlationId: cause.correlationId ?? submitted.jobId,
          ...(cause.traceparent ? { traceparent: cause.traceparent } : {}),
        },
      ),
    );
  }
}
