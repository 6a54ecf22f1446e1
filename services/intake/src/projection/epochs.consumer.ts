// The ledger topic, for one fact only: where payout closed its epochs. A tenant's spending cap
// applies to what it committed since the last cutoff.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { events } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { APPLIED, EVENT_LOG_TRANSPORT, EventLogContext, type ProjectionOutcome } from '@switchyard/event-runtime';
import type { EntityManager } from 'typeorm';

export const EPOCH_CLOSED_TYPE = 'switchyard.events.v1.EpochClosed';

/** Ledger events intake does not need: postings, payouts, penalties and alerts are payout's. */
export const IGNORED_LEDGER_EVENT_TYPES: readonly string[] = ['PostingRecorded', 'PayoutIssued', 'PenaltyAssessed', 'SpendingCapExceeded'].map(
  (type) => `switchyard.events.v1.${type}`,
);

@Controller()
export class EpochsConsumer {
  @EventPattern<string>(EPOCH_CLOSED_TYPE, EVENT_LOG_TRANSPORT)
  async onEpochClosed(_: unknown, @Ctx() context: EventLogContext): Promise<void> {
    await recordEpochClosed(context.getManager(), context.getEnvelope());
  }
}

/** Stores an epoch's cutoff (the `epochs` projection; its consumer and its rebuild apply it the same way). */
export async function recordEpochClosed(manager: EntityManager, envelope: EventEnvelope): Promise<ProjectionOutcome> {
  const closed = events.LedgerEvent.fromJSON(envelope.data).epochClosed;
  if (!closed?.epochId || !closed.cutoff) throw new Error(`EpochClosed ${envelope.id} has no epoch id or cutoff`);
  const cutoff = new Date(Number(closed.cutoff.seconds) * 1000 + Math.floor(closed.cutoff.nanos / 1e6));
  const inserted: unknown[] = await manager.query('INSERT INTO epochs (epoch_id, cutoff) VALUES ($1, $2) ON CONFLICT (epoch_id) DO NOTHING RETURNING 1', [closed.epochId, cutoff]);
  return inserted.length > 0 ? APPLIED : { applied: false, reason: 'the epoch is already recorded' };
}
