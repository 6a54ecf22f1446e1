// The usage and ledger topics, for each job's settlement state: a UsageMetered prices one of its
// usage records, the usage record's PostingRecorded posts it (consumer group `intake`, in the
// transaction that records the event in the inbox).
import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { EVENT_LOG_TRANSPORT, EventLogContext } from '@switchyard/event-runtime';
import { JobProjector, SETTLEMENT_EVENT_TYPES } from './job-projector.js';

/** Usage events intake does not need: the raw reports are metering's. */
export const IGNORED_USAGE_EVENT_TYPES: readonly string[] = ['switchyard.events.v1.UsageReported'];

@Controller()
export class SettlementConsumer {
  private readonly logger = new Logger('Settlement');

  constructor(private readonly projector: JobProjector) {}

  // Nest types an event handler's extra arguments as unknown; the runtime passes its context.
  @EventPattern<string[]>([...SETTLEMENT_EVENT_TYPES], EVENT_LOG_TRANSPORT)
  async onUsageFact(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    const envelope = context.getEnvelope();
    const outcome = await this.projector.project(context.getManager(), envelope);
    if (!outcome.applied) this.logger.debug(`${envelope.type} ${envelope.id}: ${outcome.reason}`);
  }
}
