// Prices a usage report whose job is known, stores the line and puts UsageMetered in the outbox,
// all in the caller's transaction; or parks the report until the job is known.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { dateOf, envelopeOf, EVENT_TYPE_PREFIX, idFrom, TOPICS, type events } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import type { EntityManager } from 'typeorm';
import type { MeteringConfig } from './config.js';
import { epochMsOf, meterUsage, MeteringError, timestampOfMs, type MeteredJob, type RateCard } from './domain/index.js';
import { countMetered } from './metering-metrics.js';
import { insertUsageLine, parkReport, pendingReportsOf, reportSeen, unparkReport, type PendingReport } from './persistence/usage-rows.js';
import { METERING_CONFIG, RATE_CARDS } from './tokens.js';

export const USAGE_METERED_TYPE = `${EVENT_TYPE_PREFIX}UsageMetered`;

/**
 * UsageMetered for the usage topic, key = job id, caused by the UsageReported it prices. The event
 * id derives from the usage id alone (one usage id per report id), so re-metering the same report
 * (a rebuilt projection replaying the log, the report parked and metered later) yields an event
 * the consumers' inboxes already know, whatever caused it this time.
 */
export function usageMeteredEnvelope(metered: events.UsageMetered, cause: { eventId: string; traceparent?: string | undefined }): EventEnvelope {
  return envelopeOf(
    'usage',
    { usageMetered: metered },
    {
      source: '/switchyard/metering',
      at: metered.meteredAt ?? new Date(0),
      id: idFrom(`switchyard/metering/metered:${metered.usageId}`),
      cause: { causationId: cause.eventId, traceparent: cause.traceparent },
    },
  ) as EventEnvelope;
}

export type Emit = (topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]) => Promise<void>;

@Injectable()
export class UsageRecorder {
  private readonly logger = new Logger('UsageRecorder');
  readonly usageTopic: string;

  constructor(
    @Inject(METERING_CONFIG) config: MeteringConfig,
    @Inject(RATE_CARDS) private readonly rateCards: readonly RateCard[],
  ) {
    this.usageTopic = `${config.topicPrefix}${TOPICS.usage.name}`;
  }

  /**
   * A report just delivered. `job` undefined: not priceable yet, parked. A report id seen before
   * (priced or parked) changes nothing. An unpriceable report (no rate for its tier and GPU
   * class) throws, so the runtime retries it and then dead-letters it for re-drive.
   */
  async receive(manager: EntityManager, pending: PendingReport, job: MeteredJob | undefined, triggerTime: string, emit: Emit): Promise<'metered' | 'parked' | 'duplicate'> {
    if (await reportSeen(manager, pending.report.reportId)) return 'duplicate';
    if (job === undefined) {
      await parkReport(manager, pending, new Date(triggerTime));
      return 'parked';
    }
    await this.meter(manager, pending, job, triggerTime, emit);
    return 'metered';
  }

  /**
   * The job just became priceable: meter what was parked for it. A parked report that cannot be
   * priced stays parked with the reason, so the job's own events are never held up by it.
   */
  async meterParked(manager: EntityManager, jobId: string, job: MeteredJob, triggerTime: string, emit: Emit): Promise<number> {
    let metered = 0;
    for (const pending of await pendingReportsOf(manager, jobId)) {
      try {
        await manager.query('SAVEPOINT meter_parked');
        await this.meter(manager, pending, job, triggerTime, emit);
        await unparkReport(manager, pending.report.reportId);
        await manager.query('RELEASE SAVEPOINT meter_parked');
        metered++;
      } catch (error) {
        if (!(error instanceof MeteringError)) throw error;
        await manager.query('ROLLBACK TO SAVEPOINT meter_parked');
        await parkReport(manager, pending, new Date(triggerTime), `${error.code}: ${error.message}`);
        this.logger.error(`usage report ${pending.report.reportId} of job ${jobId} stays pending: ${error.message}`);
      }
    }
    return metered;
  }

  private async meter(manager: EntityManager, pending: PendingReport, job: MeteredJob, triggerTime: string, emit: Emit): Promise<void> {
    const { report } = pending;
    const meteredAt = timestampOfMs(Math.max(epochMsOf(report.reportedAt ?? timestampOfMs(0)), Date.parse(triggerTime)));
    const metered: events.UsageMetered = meterUsage(report, job, this.rateCards, meteredAt);
    const inserted = await insertUsageLine(manager, metered, dateOf(report.reportedAt) ?? new Date(triggerTime), pending.eventId);
    if (!inserted) return;
    await emit(this.usageTopic, usageMeteredEnvelope(metered, { eventId: pending.eventId, traceparent: pending.traceparent }));
    countMetered(metered);
  }
}
