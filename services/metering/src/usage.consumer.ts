// The usage topic: each UsageReported is priced (or parked until its job is known). UsageMetered
// on the same topic is metering's own output and is skipped.
import { Injectable } from '@nestjs/common';
import { EVENT_TYPE_PREFIX, requireEvent } from '@switchyard/contracts';
import type { EventHandler, EventHandlingContext } from '@switchyard/event-runtime';
import type { LoggedEvent } from '@switchyard/event-log';
import { lockJob, priceableJob } from './persistence/job-projection.js';
import { USAGE_METERED_TYPE, UsageRecorder } from './usage-recorder.js';

export const IGNORED_USAGE_EVENT_TYPES = [USAGE_METERED_TYPE];

@Injectable()
export class UsageConsumer {
  constructor(private readonly recorder: UsageRecorder) {}

  handlers(): Map<string, EventHandler> {
    return new Map<string, EventHandler>([[`${EVENT_TYPE_PREFIX}UsageReported`, (event, context) => this.onReported(event, context)]]);
  }

  private async onReported(event: LoggedEvent, context: EventHandlingContext): Promise<void> {
    const report = requireEvent('usage', event.envelope, 'usageReported');
    if (report.reportId === '' || report.jobId === '') throw new Error(`UsageReported ${event.envelope.id} lacks report_id or job_id`);
    // The row lock orders this report against the job's classification (see job-projection.ts).
    const job = priceableJob(await lockJob(context.manager, report.jobId));
    await this.recorder.receive(
      context.manager,
      { report, eventId: event.envelope.id, traceparent: event.envelope.traceparent },
      job,
      event.envelope.time,
      (topic, envelopes) => context.emit(topic, envelopes),
    );
  }
}
