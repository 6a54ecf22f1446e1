// The jobs topic, consumed by group `intake` through the event runtime's transport: each
// handler runs in the transaction that records the event in the inbox.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { EVENT_LOG_TRANSPORT, EventLogContext } from '@switchyard/event-runtime';
import { JobProjector } from './job-projector.js';

/**
 * Job events this consumer skips on purpose. Every job event changes what a tenant sees, so
 * there are none today; an event type that is neither handled nor listed is warned about.
 */
export const IGNORED_JOB_EVENT_TYPES: readonly string[] = [];

// Nest types an event handler's extra arguments as unknown; these take the runtime's context.
const on = (type: string): MethodDecorator => EventPattern(`switchyard.events.v1.${type}`, EVENT_LOG_TRANSPORT) as MethodDecorator;

@Controller()
export class JobsConsumer {
  constructor(private readonly projector: JobProjector) {}

  private project(context: EventLogContext): Promise<void> {
    return this.projector.project(context.getManager(), context.getEnvelope());
  }

  @on('JobSubmitted') onSubmitted(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobClassified') onClassified(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobQueued') onQueued(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobPlaced') onPlaced(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobRequeued') onRequeued(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobStarted') onStarted(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobCompleted') onCompleted(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobFailed') onFailed(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobCancelRequested') onCancelRequested(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobCancelled') onCancelled(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
  @on('JobExpired') onExpired(_: unknown, @Ctx() context: EventLogContext) { return this.project(context); }
}
