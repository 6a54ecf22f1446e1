// The ledger topic's events as payout writes them: the mapping of the ledger's records to their
// LedgerEvent payloads, put in contracts' one envelope. Event ids derive from the ledger's own
// ids (idFrom, the same ids as before), so a replayed decision produces the same ce_id and
// consumers' inboxes absorb the copy; the record key is the one the topic registry documents (a
// posting's source id, which its penalty or payout shares).
import { envelopeOf, events, idFrom, type Causation, type FamilyEvent } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import type { EpochClosed, Penalty, PayoutIssued, Posting, SpendingCapExceeded } from './domain/index.js';

const SOURCE = '/switchyard/payout';

export function postingRecorded(posting: Posting, cause: Causation): EventEnvelope {
  const postingRecorded = {
    postingId: posting.postingId,
    sourceId: posting.sourceId,
    kind: POSTING_KIND[posting.kind],
    entries: posting.entries.map((entry) => ({ accountId: entry.accountId, amountBaseUnits: entry.amount.toString() })),
    reversesPostingId: posting.reversesPostingId ?? '',
    recordedAt: timestamp(posting.recordedAt),
  };
  return ledgerEnvelope({ postingRecorded }, posting.postingId, posting.recordedAt, cause);
}

export function penaltyAssessed(penalty: Penalty, cause: Causation): EventEnvelope {
  const penaltyAssessed = {
    penaltyId: penalty.penaltyId,
    providerId: penalty.providerId,
    jobId: penalty.jobId,
    amountBaseUnits: penalty.amountBaseUnits.toString(),
    reason: penalty.reason,
    justifyingEventIds: [...penalty.justifyingEventIds],
    assessedAt: timestamp(penalty.assessedAt),
  };
  return ledgerEnvelope({ penaltyAssessed }, penalty.penaltyId, penalty.assessedAt, { correlationId: penalty.jobId, ...cause });
}

export function payoutIssued(payout: PayoutIssued, cause: Causation): EventEnvelope {
  const payoutIssued = {
    payoutId: payout.payoutId,
    epochId: payout.epochId,
    providerId: payout.providerId,
    statementId: payout.statement.statementId,
    amountBaseUnits: payout.amountBaseUnits.toString(),
    usageIds: [...payout.statement.usageIds],
    issuedAt: timestamp(payout.issuedAt),
  };
  return ledgerEnvelope({ payoutIssued }, payout.payoutId, payout.issuedAt, { correlationId: payout.epochId, ...cause });
}

export function epochClosed(closed: EpochClosed, cause: Causation): EventEnvelope {
  const epochClosed = {
    epochId: closed.epochId,
    cutoff: timestamp(closed.cutoff),
    payoutCount: closed.payoutCount,
    totalBaseUnits: closed.totalBaseUnits.toString(),
    closedAt: timestamp(closed.closedAt),
  };
  return ledgerEnvelope({ epochClosed }, `epoch-closed:${closed.epochId}`, closed.closedAt, { correlationId: closed.epochId, ...cause });
}

/** The alert of the usage `usageId` that took the tenant over its cap (one per usage). */
export function spendingCapExceeded(alert: SpendingCapExceeded, usageId: string, cause: Causation): EventEnvelope {
  const spendingCapExceeded = {
    tenantId: alert.tenantId,
    capBaseUnits: alert.capBaseUnits.toString(),
    spentBaseUnits: alert.spentBaseUnits.toString(),
    windowStart: timestamp(alert.windowStart),
    detectedAt: timestamp(alert.detectedAt),
  };
  return ledgerEnvelope({ spendingCapExceeded }, `cap-exceeded:${usageId}`, alert.detectedAt, cause);
}

/** The seed of a ledger event's id: its member and the ledger id it records (unique per member). */
export const ledgerEventId = (member: string, ledgerId: string): string => idFrom(`switchyard/payout/${member}:${ledgerId}`);

function ledgerEnvelope(event: FamilyEvent<'ledger'>, ledgerId: string, at: Date, cause: Causation): EventEnvelope {
  const member = Object.keys(event)[0]!;
  return envelopeOf('ledger', event, { source: SOURCE, at, cause, id: ledgerEventId(member, ledgerId) });
}

const POSTING_KIND: Record<Posting['kind'], events.PostingKind> = {
  USAGE: events.PostingKind.POSTING_KIND_USAGE,
  PENALTY: events.PostingKind.POSTING_KIND_PENALTY,
  PAYOUT: events.PostingKind.POSTING_KIND_PAYOUT,
  REVERSAL: events.PostingKind.POSTING_KIND_REVERSAL,
};

function timestamp(at: Date): { seconds: string; nanos: number } {
  const ms = at.getTime();
  return { seconds: Math.floor(ms / 1000).toString(), nanos: (ms % 1000) * 1_000_000 };
}
