// CloseEpoch through the one command handler: one transaction that takes the epoch lock, loads the
// previous epoch and the open items, decides with the pure decideEpochClose, appends the epoch,
// payouts, settlements and payout postings, and puts PayoutIssued, PostingRecorded and EpochClosed
// in the outbox. A retried call with the same idempotency key
// gets the first result; a new close finds nothing open it has not settled, so pays nothing more.
import { Inject, Injectable } from '@nestjs/common';
import type { TopicName } from '@switchyard/contracts';
import { handleCommand } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import { decideEpochClose, type EpochCloseDecision, type OpenItem } from '../domain/index.js';
import { epochClosed, payoutIssued, postingRecorded } from '../ledger-events.js';
import { TOPIC_NAMES } from '@switchyard/service-host';
import {
  appendEpoch,
  epochByIdempotencyKey,
  lastEpoch,
  statementsOfEpoch,
  type StoredEpoch,
  type StoredStatement,
} from '../persistence/epoch-store.js';
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

type Loaded =
  | { readonly earlier: StoredEpoch }
  | { readonly earlier: undefined; readonly previous: StoredEpoch | undefined; readonly items: readonly OpenItem[] };
type Decision = { readonly kind: 'repeat'; readonly epoch: StoredEpoch } | EpochCloseDecision;

@Injectable()
export class CloseEpochHandler {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TOPIC_NAMES) private readonly topics: Readonly<Record<TopicName, string>>,
  ) {}

  close(request: CloseEpochRequest): Promise<ClosedEpoch> {
    const key = request.idempotencyKey || undefined;
    return handleCommand<Loaded, Decision, ClosedEpoch>(this.dataSource, {
      load: async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [EPOCH_LOCK]);
        const earlier = key === undefined ? undefined : await epochByIdempotencyKey(tx, key);
        if (earlier) return { earlier };
        return { earlier: undefined, previous: await lastEpoch(tx), items: await openItems(tx) };
      },
      // A retried call with the same key gets the first result.
      decide: (loaded) =>
        loaded.earlier ? { kind: 'repeat', epoch: loaded.earlier } : decideEpochClose(loaded.previous, loaded.items, request),
      persist: async (tx, decision) => {
        if (decision.kind === 'repeat')
          return { result: { epoch: decision.epoch, statements: await statementsOfEpoch(tx, decision.epoch.epochId) } };
        if (decision.kind === 'refused') throw new EpochCutoffError(decision.reason);
        const { closing, epochId } = decision;
        const epoch: StoredEpoch = {
          epochId,
          seq: decision.seq,
          cutoff: decision.cutoff,
          closedAt: request.now,
          payoutCount: closing.epochClosed.payoutCount,
          totalBaseUnits: closing.epochClosed.totalBaseUnits,
        };
        await appendEpoch(tx, epoch, key);
        const cause = { causationId: key ?? epochId, correlationId: epochId };
        const envelopes = [];
        for (const payout of closing.payouts) {
          await appendPayout(tx, payout, cause.causationId);
          envelopes.push(payoutIssued(payout, cause), postingRecorded(payout.posting, cause));
        }
        envelopes.push(epochClosed(closing.epochClosed, cause));
        return { result: { epoch, statements: await statementsOfEpoch(tx, epochId) }, events: [{ topic: this.topics.ledger, envelopes }] };
      },
    });
  }
}
