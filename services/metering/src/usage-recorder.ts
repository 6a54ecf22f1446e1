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
import { insertUsageLines, parkReports, reportsSeen, unparkReport, type PendingReport, type UsageLine } from './persistence/usage-rows.js';
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
   * Reports just delivered (log order), each with its job (undefined: not priceable yet, parked)
   * and the time of its event. A report id seen before (priced or parked, or earlier in the same
   * run) changes nothing. The run's reads are one statement, its lines one and its parked reports
   * one: the same rows and events, in the same order, as receiving the reports one by one. An
   * unpriceable report (no rate for its tier and GPU class) throws, so the runtime retries it and
   * then dead-letters it for re-drive.
   */
  receiveAll(manager: EntityManager, received: readonly ReceivedReport[], emit: Emit): Promise<('metered' | 'parked' | 'duplicate')[]> {
    return handleCommand(
      { manager, emit },
      {
        load: async (tx) =>
          reportsSeen(
            tx,
            received.map(({ pending }) => pending.report.reportId),
          ),
        decide: (seenBefore) => {
          const seen = new Set(seenBefore);
          return received.map(({ pending, job, triggerTime }) => {
            const decision = decideUsageReport(
              pending.report,
              { seen: seen.has(pending.report.reportId), job },
              this.rateCards,
              Date.parse(triggerTime),
            );
            seen.add(pending.report.reportId);
            return decision;
          });
        },
        persist: async (tx, decisions) => {
          const lines: (UsageLine & { pending: PendingReport })[] = [];
          const parked: { pending: PendingReport; receivedAt: Date }[] = [];
          for (const [i, decision] of decisions.entries()) {
            const { pending, triggerTime } = received[i]!;
            if (decision.kind === 'park') parked.push({ pending, receivedAt: new Date(triggerTime) });
            if (decision.kind === 'meter') lines.push({ pending, ...lineOf(pending, decision.metered, triggerTime) });
          }
          await parkReports(tx, parked);
          return {
            result: decisions.map((decision) => RESULTS[decision.kind]),
            events: await this.store(tx, lines),
          };
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
        await parkReports(manager, [{ pending, receivedAt: new Date(triggerTime) }], `${error.code}: ${error.message}`);
        this.logger.error(`usage report ${pending.report.reportId} of job ${pending.report.jobId} stays pending: ${error.message}`);
        stillParked.push(pending);
      }
    }
    return stillParked;
  }

  private async meter(manager: EntityManager, pending: PendingReport, job: MeteredJob, triggerTime: string, emit: Emit): Promise<void> {
    const metered = meterUsage(pending.report, job, this.rateCards, meteredAtOf(pending.report, Date.parse(triggerTime)));
    for (const { topic, envelopes } of await this.store(manager, [{ pending, ...lineOf(pending, metered, triggerTime) }]))
      await emit(topic, envelopes);
  }

  /** Stores the usage lines; the UsageMetered to publish (log order), none for a line stored before. */
  private async store(manager: EntityManager, lines: readonly (UsageLine & { pending: PendingReport })[]): Promise<TopicEvents[]> {
    const inserted = await insertUsageLines(manager, lines);
    const fresh = lines.filter(({ metered }) => inserted.has(metered.reportId));
    if (fresh.length === 0) return [];
    for (const { metered } of fresh) countMetered(metered);
    return [
      {
        topic: this.usageTopic,
        envelopes: fresh.map(({ metered, pending }) =>
          usageMeteredEnvelope(metered, { eventId: pending.eventId, traceparent: pending.traceparent }),
        ),
      },
    ];
  }
}

const RESULTS = { meter: 'metered', park: 'parked', duplicate: 'duplicate' } as const;

/** A report as the consumer hands it over: its job as known now, and the time of its event. */
export interface ReceivedReport {
  readonly pending: PendingReport;
  readonly job: MeteredJob | undefined;
  readonly triggerTime: string;
}

function lineOf(pending: PendingReport, metered: events.UsageMetered, triggerTime: string): UsageLine {
  return { metered, reportedAt: dateOf(pending.report.reportedAt) ?? new Date(triggerTime), sourceEventId: pending.eventId };
}
