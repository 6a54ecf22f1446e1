// The ledger topic, for one fact only: where payout closed its epochs. A tenant's spending cap
// applies to what it committed since the last cutoff.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { events } from '@switchyard/contracts';
import { EVENT_LOG_TRANSPORT, EventLogContext } from '@switchyard/event-runtime';

/** Ledger events intake does not need: postings, payouts, penalties and alerts are payout's. */
export const IGNORED_LEDGER_EVENT_TYPES: readonly string[] = ['PostingRecorded', 'PayoutIssued', 'PenaltyAssessed', 'SpendingCapExceeded'].map(
  (type) => `switchyard.events.v1.${type}`,
);

@Controller()
export class EpochsConsumer {
  @EventPattern<string>('switchyard.events.v1.EpochClosed', EVENT_LOG_TRANSPORT)
  async onEpochClosed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    const closed = events.LedgerEvent.fromJSON(context.getEnvelope().data).epochClosed;
    if (!closed?.epochId || !closed.cutoff) throw new Error(`EpochClosed ${context.getEnvelope().id} has no epoch id or cutoff`);
    const cutoff = new Date(Number(closed.cutoff.seconds) * 1000 + Math.floor(closed.cutoff.nanos / 1e6));
    await context.getManager().query('INSERT INTO epochs (epoch_id, cutoff) VALUES ($1, $2) ON CONFLICT (epoch_id) DO NOTHING', [closed.epochId, cutoff]);
  }
}
