// The usage topic: each UsageMetered becomes one posting (the unique source id makes a redelivery
// or a second UsageMetered for the same usage id a no-op), and may raise a spending-cap alert. The
// earning of a gang split over providers is shared among the members its JobPlaced listed. A run
// of UsageMetered is applied at once (applyUsage), as the same events one by one would be.
import { Controller, Inject, Logger, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { dateOf, requireEvent, type events, type TopicName } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { EVENT_LOG_TRANSPORT, EventHandlerErrorFilter, type EventHandlingContext, type EventLogContext } from '@switchyard/event-runtime';
import type { CallerDirectory } from '@switchyard/access';
import { baseUnits, checkSpendingCap, postUsage, spendWindowOf, type MeteredUsage } from './domain/index.js';
import { postingRecorded, spendingCapExceeded } from './ledger-events.js';
import { lastEpoch } from './persistence/epoch-store.js';
import { attemptKey, gangsOf } from './persistence/job-sla-store.js';
import { addTenantSpends, appendPostings, appendUsages } from './persistence/ledger-store.js';
import { TOPIC_NAMES } from '@switchyard/service-host';
import { CALLERS } from './tokens.js';

export const USAGE_METERED = 'switchyard.events.v1.UsageMetered';
/** Usage-topic events payout skips on purpose: raw reports are metering's input, not the ledger's. */
export const IGNORED_USAGE_EVENT_TYPES = ['switchyard.events.v1.UsageReported'];

@Controller()
@UseFilters(EventHandlerErrorFilter)
export class UsageConsumer {
  private readonly logger = new Logger('UsageConsumer');

  constructor(
    @Inject(TOPIC_NAMES) private readonly topics: Readonly<Record<TopicName, string>>,
    @Inject(CALLERS) private readonly callers: CallerDirectory,
  ) {}

  // Nest types an event handler's extra arguments as unknown; the cast takes the runtime's context.
  @(EventPattern(USAGE_METERED, EVENT_LOG_TRANSPORT) as MethodDecorator)
  usageMetered(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    return this.applyUsage([context.getEvent()], context.handling());
  }

  /**
   * Applies a run of UsageMetered (the per-event handler is a run of one) as they would be one by
   * one in log order, in a few statements for the whole run: one read of the attempts' gangs, one of
   * the last epoch, one append of the postings (entries and balances with them), one of the usage
   * rows, one spend upsert for the run's tenants; then each usage's PostingRecorded (and alert).
   */
  async applyUsage(run: readonly LoggedEvent[], { manager, emit }: Pick<EventHandlingContext, 'manager' | 'emit'>): Promise<void> {
    const metered = run.map(({ envelope }) => {
      const event = requireEvent('usage', envelope, 'usageMetered');
      return { envelope, event, usage: meteredUsageOf(event, envelope.time) };
    });
    // The gang comes from the jobs topic, which payout reads beside this one with no order between
    // the two: like the provider's operator (learned from JobPlaced, unknown until then), it is
    // what payout has folded so far. A usage applied before its attempt's JobPlaced is posted as
    // a single provider's: the lead, which reported it, is credited the whole earning and the
    // other members nothing for it, and no later posting moves their shares (the posting is final).
    const gangs = await gangsOf(
      manager,
      metered.map(({ usage }) => usage),
    );
    const items = metered.map((item) => {
      const { usage } = item;
      const gang = gangs.get(attemptKey(usage.jobId, usage.attempt));
      if (gang === undefined)
        this.logger.warn(
          `usage ${usage.usageId} of ${usage.jobId}#${usage.attempt} is posted before its JobPlaced was seen: were it a gang, only ${usage.providerId} is credited`,
        );
      return { ...item, posting: postUsage(usage, gang) };
    });
    const cutoff = (await lastEpoch(manager))?.cutoff;
    // A usage id already posted, or posted earlier in the run, writes nothing and emits nothing.
    const inserted = await appendPostings(
      manager,
      items.map(({ posting, envelope }) => ({ posting, causeId: envelope.id })),
    );
    const posted = items.filter(({ posting, usage, envelope }) => {
      if (inserted.delete(posting.postingId)) return true;
      this.logger.log(`usage ${usage.usageId} is already posted; ${envelope.id} changes nothing`);
      return false;
    });
    await appendUsages(
      manager,
      posted.map(({ usage, event, posting, envelope }) => ({
        usage,
        postingId: posting.postingId,
        facts: { tier: event.tier, gpuClass: event.gpuClass, rateCardVersion: event.rateCardVersion, eventId: envelope.id },
      })),
    );
    // Each tenant's spend takes the run's counted charges at once; each charge is checked against
    // the spend before the run plus the tenant's earlier counted charges in the run, as one by one.
    const windowed = posted.map((item) => ({ ...item, window: spendWindowOf(item.usage.meteredAt, cutoff) }));
    const charges = new Map<string, bigint>();
    for (const { usage, window } of windowed) {
      if (window.counts) charges.set(usage.tenantId, (charges.get(usage.tenantId) ?? 0n) + usage.chargeBaseUnits);
    }
    const spent = await addTenantSpends(manager, windowed[0]?.window.start ?? new Date(0), charges);
    const outgoing: EventEnvelope[] = [];
    for (const { usage, posting, envelope, window } of windowed) {
      const cause = {
        causationId: envelope.id,
        correlationId: usage.jobId,
        ...(envelope.traceparent ? { traceparent: envelope.traceparent } : {}),
      };
      outgoing.push(postingRecorded(posting, cause));
      if (!window.counts) continue;
      const spentBefore = spent.get(usage.tenantId)!;
      spent.set(usage.tenantId, spentBefore + usage.chargeBaseUnits);
      const alert = checkSpendingCap({
        tenantId: usage.tenantId,
        capBaseUnits: this.callers.spendingCapOf(usage.tenantId),
        spentBeforeBaseUnits: spentBefore,
        chargeBaseUnits: usage.chargeBaseUnits,
        windowStart: window.start,
        at: usage.meteredAt,
      });
      if (alert) outgoing.push(spendingCapExceeded(alert, usage.usageId, cause));
    }
    if (outgoing.length > 0) await emit(this.topics.ledger, outgoing);
  }
}

export function meteredUsageOf(metered: events.UsageMetered, eventTime: string): MeteredUsage {
  if (metered.usageId === '' || metered.tenantId === '' || metered.providerId === '') {
    throw new Error(
      `UsageMetered needs usageId, tenantId and providerId (got "${metered.usageId}", "${metered.tenantId}", "${metered.providerId}")`,
    );
  }
  return {
    usageId: metered.usageId,
    jobId: metered.jobId,
    attempt: metered.attempt,
    reportId: metered.reportId,
    tenantId: metered.tenantId,
    providerId: metered.providerId,
    chargeBaseUnits: baseUnits(metered.tenantChargeBaseUnits, 'tenantChargeBaseUnits'),
    earningBaseUnits: baseUnits(metered.providerEarningBaseUnits, 'providerEarningBaseUnits'),
    feeBaseUnits: baseUnits(metered.protocolFeeBaseUnits, 'protocolFeeBaseUnits'),
    meteredAt: dateOf(metered.meteredAt) ?? new Date(eventTime),
  };
}
