// The ledger topic, for one fact only: where payout closed its epochs. A tenant's spending cap
// applies to what it committed since the last cutoff.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { events } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { APPLIED, EVENT_LOG_TRANSPORT, EventLogContext, type ProjectionOutcome } from '@switchyard/event-runtime';
import type { EntityManager } from 'typeorm';

export const EPOCH_CLOSED_TYPE = 'switchyard.events.v1.EpochClosed';

/** Ledger events intake does not need: payouts, penalties and alerts are payout's (postings settle jobs). */
export const IGNORED_LEDGER_EVENT_TYPES: readonly string[] = ['PayoutIssued', 'PenaltyAssessed', 'SpendingCapExceeded'].map(
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
  const inserted: unknown[] = await manager.query(
    'INSERT INTO epochs (epoch_id, cutoff) VALUES ($1, $2) ON CONFLICT (epoch_id) DO NOTHING RETURNING 1',
    [closed.epochId, cutoff],
  );
  if (inserted.length === 0) return { applied: false, reason: 'the epoch is already recorded' };
  // The cap's window moves to the cutoff: the running commitments start again from what was
  // submitted after it (once per epoch, not per submission).
  await manager.query(
    `UPDATE spending_commitments c SET window_start = $1,
            committed_base_units = COALESCE((SELECT SUM(worst_case_base_units) FROM jobs j
                                              WHERE j.tenant_id = c.tenant_id AND j.submitted_at > $1
                                                AND j.state NOT IN ('JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED')), 0)
      WHERE c.window_start < $1`,
    [cutoff],
  );
  return APPLIED;
}
