// The usage topic: each UsageReported is priced (or parked until its job is known). UsageMetered
// on the same topic is metering's own output and is skipped. A partition's run of reports is
// applied at once (one lock of their jobs, one read of the reports seen, one insert of the lines,
// one of the parked reports); the per-event handler is the same code on a run of one.
import { Injectable } from '@nestjs/common';
import { EVENT_TYPE_PREFIX, requireEvent } from '@switchyard/contracts';
import type { BatchHandling, EventHandler, EventHandlingContext } from '@switchyard/event-runtime';
import type { LoggedEvent } from '@switchyard/event-log';
import { lockJobs, priceableJob } from './persistence/job-projection.js';
import { USAGE_METERED_TYPE, UsageRecorder } from './usage-recorder.js';

const USAGE_REPORTED = `${EVENT_TYPE_PREFIX}UsageReported`;
export const IGNORED_USAGE_EVENT_TYPES = [USAGE_METERED_TYPE];

@Injectable()
export class UsageConsumer {
  constructor(private readonly recorder: UsageRecorder) {}

  handlers(): Map<string, EventHandler> {
    return new Map<string, EventHandler>([[USAGE_REPORTED, (event, context) => this.apply([event], context)]]);
  }

  batchHandling(): BatchHandling {
    return { types: new Set([USAGE_REPORTED]), handle: (events, context) => this.apply(events, context) };
  }

  /** Applies a run of UsageReported (log order) as the per-event handler would one after the other. */
  private async apply(events: readonly LoggedEvent[], context: Omit<EventHandlingContext, 'event'>): Promise<void> {
    const reports = events.map((event) => {
      const report = requireEvent('usage', event.envelope, 'usageReported');
      if (report.reportId === '' || report.jobId === '') throw new Error(`UsageReported ${event.envelope.id} lacks report_id or job_id`);
      return { report, event };
    });
    // The row locks order these reports against their jobs' classification (see job-projection.ts).
    const jobs = await lockJobs(
      context.manager,
      reports.map(({ report }) => report.jobId),
    );
    await this.recorder.receiveAll(
      context.manager,
      reports.map(({ report, event }) => ({
        pending: { report, eventId: event.envelope.id, traceparent: event.envelope.traceparent },
        job: priceableJob(jobs.get(report.jobId)!),
        triggerTime: event.envelope.time,
      })),
      (topic, envelopes) => context.emit(topic, envelopes),
    );
  }
}
