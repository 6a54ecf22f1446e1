// CloseEpoch: one transaction that takes the epoch lock, runs the pure closeEpoch over the open
// items, appends the epoch, payouts, settlements and payout postings, and puts PayoutIssued,
// PostingRecorded and EpochClosed in the outbox. A retried call with the same idempotency key
// gets the first result; a new close finds nothing open it has not settled, so pays nothing more.
import { Inject, Injectable } from '@nestjs/common';
import type { TopicName } from '@switchyard/contracts';
import { Outbox } from '@switchyard/event-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { closeEpoch } from '../domain/index.js';
import { epochClosed, payoutIssued, postingRecorded } from '../ledger-events.js';
import { TOPIC_NAMES } from '@switchyard/service-host';
import { appendEpoch, epochByIdempotencyKey, lastEpoch, statementsOfEpoch, type StoredEpoch, type StoredStatement } from '../persistence/epoch-store.js';
import { appendPayout, openItems } from '../persistence/ledger-store.js';

export interface CloseEpochRequest {
  /** Undefined: `now`. */
  readonly cutoff: Date | undefined;
  readonly idempotencyKey: string | undefined;
  /** The handler's clock reading, taken at the edge. */
  readonly now: Date;
}

export interface ClosedEpoch {
  readonly epoch: StoredEpoch;
  readonly statements: readonly StoredStatement[];
}

export class EpochCutoffError extends Error {
  override readonly name = 'EpochCutoffError';
}

// Namespace of the epoch lock: only one close runs at a time per ledger schema.
const EPOCH_LOCK = 'payout-epoch-close';

@Injectable()
export class CloseEpochHandler {
  private readonly outbox = new Outbox();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TOPIC_NAMES) private readonly topics: Readonly<Record<TopicName, string>>,
  ) {}

  async close(request: CloseEpochRequest): Promise<ClosedEpoch> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [EPOCH_LOCK]);
      if (request.idempotencyKey) {
        const earlier = await epochByIdempotencyKey(manager, request.idempotencyKey);
        if (earlier) return { epoch: earlier, statements: await statementsOfEpoch(manager, earlier.epochId) };
      }
      return this.closeNext(manager, request);
    });
  }

  private async closeNext(manager: EntityManager, request: CloseEpochRequest): Promise<ClosedEpoch> {
    const previous = await lastEpoch(manager);
    const cutoff = request.cutoff ?? request.now;
    if (cutoff.getTime() > request.now.getTime()) throw new EpochCutoffError(`cutoff ${cutoff.toISOString()} is in the future`);
    if (previous && cutoff.getTime() < previous.cutoff.getTime()) {
      throw new EpochCutoffError(`cutoff ${cutoff.toISOString()} is before the previous epoch's cutoff ${previous.cutoff.toISOString()}`);
    }
    const seq = (previous?.seq ?? 0) + 1;
    const epochId = `epoch-${String(seq).padStart(6, '0')}`;
    const closing = closeEpoch(await openItems(manager), { epochId, cutoff, closedAt: request.now });
    const epoch: StoredEpoch = {
      epochId,
      seq,
      cutoff,
      closedAt: request.now,
      payoutCount: closing.epochClosed.payoutCount,
      totalBaseUnits: closing.epochClosed.totalBaseUnits,
    };
    await appendEpoch(manager, epoch, request.idempotencyKey || undefined);
    const cause = { causationId: request.idempotencyKey || epochId, correlationId: epochId };
    const envelopes = [];
    for (const payout of closing.payouts) {
      await appendPayout(manager, payout, cause.causationId);
      envelopes.push(payoutIssued(payout, cause), postingRecorded(payout.posting, cause));
    }
    envelopes.push(epochClosed(closing.epochClosed, cause));
    await this.outbox.add(manager, this.topics.ledger, envelopes);
    return { epoch, statements: await statementsOfEpoch(manager, epochId) };
  }
}
