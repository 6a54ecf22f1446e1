// The usage topic: each UsageMetered becomes one posting (the unique source id makes a redelivery
// or a second UsageMetered for the same usage id a no-op), and may raise a spending-cap alert. The
// earning of a gang split over providers is shared among the members its JobPlaced listed.
import { Controller, Inject, Logger, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { dateOf, requireEvent, type events, type TopicName } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import { EVENT_LOG_TRANSPORT, EventHandlerErrorFilter, type EventHandlingContext, type EventLogContext } from '@switchyard/event-runtime';
import type { CallerDirectory } from '@switchyard/access';
import { baseUnits, checkSpendingCap, postUsage, spendWindowOf, type MeteredUsage } from './domain/index.js';
import { postingRecorded, spendingCapExceeded } from './ledger-events.js';
import { lastEpoch } from './persistence/epoch-store.js';
import { gangOf } from './persistence/job-sla-store.js';
import { addTenantSpend, appendPosting, appendUsage } from './persistence/ledger-store.js';
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
    return this.onUsageMetered(context.getEvent(), context.handling());
  }

  private async onUsageMetered(event: LoggedEvent, { manager, emit }: EventHandlingContext): Promise<void> {
    const { envelope } = event;
    const metered = requireEvent('usage', envelope, 'usageMetered');
    const usage = meteredUsageOf(metered, envelope.time);
    // The gang comes from the jobs topic, which payout reads beside this one with no order between
    // the two: like the provider's operator (learned from JobPlaced, unknown until then), it is
    // what payout has folded so far. A usage applied before its attempt's JobPlaced is posted as
    // a single provider's: the lead, which reported it, is credited the whole earning and the
    // other members nothing for it, and no later posting moves their shares (the posting is final).
    const gang = await gangOf(manager, usage.jobId, usage.attempt);
    if (gang === undefined)
      this.logger.warn(
        `usage ${usage.usageId} of ${usage.jobId}#${usage.attempt} is posted before its JobPlaced was seen: were it a gang, only ${usage.providerId} is credited`,
      );
    const posting = postUsage(usage, gang);
    const window = spendWindowOf(usage.meteredAt, (await lastEpoch(manager))?.cutoff);
    if (!(await appendPosting(manager, posting, envelope.id))) {
      this.logger.log(`usage ${usage.usageId} is already posted; ${envelope.id} changes nothing`);
      return;
    }
    await appendUsage(manager, usage, posting.postingId, {
      tier: metered.tier,
      gpuClass: metered.gpuClass,
      rateCardVersion: metered.rateCardVersion,
      eventId: envelope.id,
    });
    // The tenant's running spend row is locked by the upsert: two concurrent charges of one
    // tenant take turns, so both cannot slip under the cap check.
    const spentBefore = window.counts ? await addTenantSpend(manager, usage.tenantId, window.start, usage.chargeBaseUnits) : 0n;
    const cause = {
      causationId: envelope.id,
      correlationId: usage.jobId,
      ...(envelope.traceparent ? { traceparent: envelope.traceparent } : {}),
    };
    const outgoing = [postingRecorded(posting, cause)];
    const alert = window.counts
      ? checkSpendingCap({
          tenantId: usage.tenantId,
          capBaseUnits: this.callers.spendingCapOf(usage.tenantId),
          spentBeforeBaseUnits: spentBefore,
          chargeBaseUnits: usage.chargeBaseUnits,
          windowStart: window.start,
          at: usage.meteredAt,
        })
      : undefined;
    if (alert) outgoing.push(spendingCapExceeded(alert, usage.usageId, cause));
    await emit(this.topics.ledger, outgoing);
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
