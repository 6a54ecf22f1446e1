// The classifier's adapter on the jobs topic: parse JobSubmitted, call the pure decider with the
// policy in force, emit JobClassified through the outbox (same transaction as the inbox record).
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { envelopeOf, JOB_EVENT_TYPES, readEvent } from '@switchyard/contracts';
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
  async onJobSubmitted(@Payload() _data: unknown, @Ctx() context: EventLogContext): Promise<void> {
    const cause = context.getEnvelope();
    const submitted = readEvent('job', cause)?.jobSubmitted;
    if (!submitted?.jobId) throw new Error(`JobSubmitted ${cause.id} has no job id`);
    const jobClassified = classifyJob(submitted, this.policy.current);
    await context.emit(
      this.jobsTopic,
      envelopeOf(
        'job',
        { jobClassified },
        {
          source: '/switchyard/classifier',
          at: jobClassified.classifiedAt ?? cause.time,
          cause: { causationId: cause.id, correlationId: cause.correlationId ?? submitted.jobId, traceparent: cause.traceparent },
          // One JobClassified per JobSubmitted: classifying it again (a policy reloaded in between
          // may decide another tier) yields the same event id, so consumers keep the first.
          seed: 'classified',
        },
      ),
    );
  }
}
