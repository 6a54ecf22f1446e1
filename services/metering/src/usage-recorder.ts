// Prices a usage report whose job is known, stores the line and puts UsageMetered in the outbox,
// all in the caller's transaction; or parks the report until the job is known.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { dateOf, envelopeOf, EVENT_TYPE_PREFIX, idFrom, TOPICS, type events } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import type { EntityManager } from 'typeorm';
import type { MeteringConfig } from './config.js';
import { handleCommand, type TopicEvents } from '@switchyard/event-runtime';
import { decideUsageReport, meteredAtOf, meterUsage, MeteringError, type MeteredJob, type RateCard } from './domain/index.js';
import { countMetered } from './metering-metrics.js';
import { insertUsageLine, parkReport, reportSeen, unparkReport, type PendingReport } from './persistence/usage-rows.js';
import { METERING_CONFIG, RATE_CARDS } from './tokens.js';

export const USAGE_METERED_TYPE = `${EVENT_TYPE_PREFIX}UsageMetered`;

/**
 * UsageMetered for the usage topic, key = job id, caused by the UsageReported it prices. The event
 * id derives from the usage id alone (one usage id per report id), so re-metering the same report
 * (a rebuilt projection replaying the log, the report parked and metered later) yields an event
 * the consumers' inboxes already know, whatever caused it this time.
 */
export function usageMeteredEnvelope(
  metered: events.UsageMetered,
  cause: { eventId: string; traceparent?: string | undefined },
): EventEnvelope {
  return envelopeOf(
    'usage',
    { usageMetered: metered },
    {
      source: '/switchyard/metering',
      at: metered.meteredAt ?? new Date(0),
      id: idFrom(`switchyard/metering/metered:${metered.usageId}`),
      cause: { causationId: cause.eventId, traceparent: cause.traceparent },
    },
  );
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
  receive(
    manager: EntityManager,
    pending: PendingReport,
    job: MeteredJob | undefined,
    triggerTime: string,
    emit: Emit,
  ): Promise<'metered' | 'parked' | 'duplicate'> {
    return handleCommand(
      { manager, emit },
      {
        load: async (tx) => ({ seen: await reportSeen(tx, pending.report.reportId), job }),
        decide: (known) => decideUsageReport(pending.report, known, this.rateCards, Date.parse(triggerTime)),
        persist: async (tx, decision) => {
          if (decision.kind === 'duplicate') return { result: 'duplicate' as const };
          if (decision.kind === 'park') {
            await parkReport(tx, pending, new Date(triggerTime));
            return { result: 'parked' as const };
          }
          return { result: 'metered' as const, events: await this.store(tx, pending, decision.metered, triggerTime) };
        },
      },
    );
  }

  /**
   * The job just became priceable: meter what was parked for it (`parked`, oldest first, as read
   * from pending_usage_reports). A parked report that cannot be priced stays parked with the
   * reason, so the job's own events are never held up by it. Returns the reports still parked.
   */
  async meterParked(
    manager: EntityManager,
    parked: readonly PendingReport[],
    job: MeteredJob,
    triggerTime: string,
    emit: Emit,
  ): Promise<PendingReport[]> {
    const stillParked: PendingReport[] = [];
    for (const pending of parked) {
      try {
        await manager.query('SAVEPOINT meter_parked');
        await this.meter(manager, pending, job, triggerTime, emit);
        await unparkReport(manager, pending.report.reportId);
        await manager.query('RELEASE SAVEPOINT meter_parked');
      } catch (error) {
        if (!(error instanceof MeteringError)) throw error;
        await manager.query('ROLLBACK TO SAVEPOINT meter_parked');
        await parkReport(manager, pending, new Date(triggerTime), `${error.code}: ${error.message}`);
        this.logger.error(`usage report ${pending.report.reportId} of job ${pending.report.jobId} stays pending: ${error.message}`);
        stillParked.push(pending);
      }
    }
    return stillParked;
  }

  private async meter(manager: EntityManager, pending: PendingReport, job: MeteredJob, triggerTime: string, emit: Emit): Promise<void> {
    const metered = meterUsage(pending.report, job, this.rateCards, meteredAtOf(pending.report, Date.parse(triggerTime)));
    for (const { topic, envelopes } of await this.store(manager, pending, metered, triggerTime)) await emit(topic, envelopes);
  }

  /** Stores the usage line; the UsageMetered to publish, none when the line was stored before. */
  private async store(
    manager: EntityManager,
    pending: PendingReport,
    metered: events.UsageMetered,
    triggerTime: string,
  ): Promise<TopicEvents[]> {
    const inserted = await insertUsageLine(manager, metered, dateOf(pending.report.reportedAt) ?? new Date(triggerTime), pending.eventId);
    if (!inserted) return [];
    countMetered(metered);
    return [
      {
        topic: this.usageTopic,
        envelopes: [usageMeteredEnvelope(metered, { eventId: pending.eventId, traceparent: pending.traceparent })],
      },
    ];
  }
}
