// The jobs topic, consumed by group `intake` through the event runtime's transport: each
// handler runs in the transaction that records the event in the inbox.
import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { EVENT_LOG_TRANSPORT, EventLogContext } from '@switchyard/event-runtime';
import { JobProjector, PROJECTED_JOB_EVENT_TYPES } from './job-projector.js';

/**
 * Job events this consumer skips on purpose. Every job event changes what a tenant sees, so
 * there are none today; an event type that is neither handled nor listed is warned about.
 */
export const IGNORED_JOB_EVENT_TYPES: readonly string[] = [];

@Controller()
export class JobsConsumer {
  private readonly logger = new Logger('JobProjection');

  constructor(private readonly projector: JobProjector) {}

  // Nest types an event handler's extra arguments as unknown; the runtime passes its context.
  @EventPattern<string[]>([...PROJECTED_JOB_EVENT_TYPES], EVENT_LOG_TRANSPORT)
  async onJobEvent(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    const envelope = context.getEnvelope();
    const outcome = await this.projector.project(context.getManager(), envelope);
    if (!outcome.applied) this.logger.debug(`${envelope.type} ${envelope.id} for job ${envelope.subject}: ${outcome.reason}`);
  }
}
