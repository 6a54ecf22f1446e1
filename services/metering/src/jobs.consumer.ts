// The jobs topic, folded into what metering prices with: tenant and GPU class (JobSubmitted),
// tier (JobClassified), provider -> operator (JobPlaced). When a job becomes priceable, the usage
// reports parked for it are metered in the same transaction.
import { Injectable } from '@nestjs/common';
import { dateOf, EVENT_TYPE_PREFIX, requireEvent } from '@switchyard/contracts';
import type { EventHandler, EventHandlingContext } from '@switchyard/event-runtime';
import type { LoggedEvent } from '@switchyard/event-log';
import { priceableJob, recordClassified, recordProviderOperator, recordSubmitted, type JobRow } from './persistence/job-projection.js';
import { UsageRecorder } from './usage-recorder.js';

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

@Injectable()
export class JobsConsumer {
  constructor(private readonly recorder: UsageRecorder) {}

  handlers(): Map<string, EventHandler> {
    return new Map<string, EventHandler>([
      [`${EVENT_TYPE_PREFIX}JobSubmitted`, (event, context) => this.onSubmitted(event, context)],
      [`${EVENT_TYPE_PREFIX}JobClassified`, (event, context) => this.onClassified(event, context)],
      [`${EVENT_TYPE_PREFIX}JobPlaced`, (event, context) => this.onPlaced(event, context)],
    ]);
  }

  private async onSubmitted(event: LoggedEvent, context: EventHandlingContext): Promise<void> {
    const submitted = requireEvent('job', event.envelope, 'jobSubmitted');
    const gpuClass = submitted.spec?.gpuClass ?? '';
    const job = await recordSubmitted(
      context.manager,
      submitted.jobId,
      submitted.tenantId,
      gpuClass,
      dateOf(submitted.submittedAt) ?? null,
    );
    await this.meterIfPriceable(job, event, context);
  }

  private async onClassified(event: LoggedEvent, context: EventHandlingContext): Promise<void> {
    const classified = requireEvent('job', event.envelope, 'jobClassified');
    const job = await recordClassified(context.manager, classified.jobId, classified.tier, dateOf(classified.classifiedAt) ?? null);
    await this.meterIfPriceable(job, event, context);
  }

  private async onPlaced(event: LoggedEvent, context: EventHandlingContext): Promise<void> {
    const placed = requireEvent('job', event.envelope, 'jobPlaced');
    if (placed.providerId !== '' && placed.operatorId !== '')
      await recordProviderOperator(context.manager, placed.providerId, placed.operatorId);
  }

  private async meterIfPriceable(job: JobRow, event: LoggedEvent, context: EventHandlingContext): Promise<void> {
    const priceable = priceableJob(job);
    if (priceable)
      await this.recorder.meterParked(context.manager, job.jobId, priceable, event.envelope.time, (topic, envelopes) =>
        context.emit(topic, envelopes),
      );
  }
}
