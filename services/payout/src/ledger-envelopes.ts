// CloudEvents envelopes of the ledger topic. ce_type is the proto message name; the payload is the
// protobuf canonical JSON of the topic's envelope message (`{"postingRecorded": {...}}`), as the
// other producers write theirs (docs/contracts.md). Event ids derive from the ledger's own ids,
// so a replayed decision produces the same ce_id and consumers' inboxes absorb the copy.
import { createHash } from 'node:crypto';
import { events } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log';
import type { EpochClosed, Penalty, PayoutIssued, Posting, SpendingCapExceeded } from './domain/index.js';

const SOURCE = '/switchyard/payout';
const TYPE_PREFIX = 'switchyard.events.v1.';

export interface Causation {
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly traceparent?: string;
}

export function postingRecorded(posting: Posting, cause: Causation): EventEnvelope {
  return envelope(
    {
      postingRecorded: {
        postingId: posting.postingId,
        sourceId: posting.sourceId,
        kind: POSTING_KIND[posting.kind],
        entries: posting.entries.map((entry) => ({ accountId: entry.accountId, amountBaseUnits: entry.amount.toString() })),
        reversesPostingId: posting.reversesPostingId ?? '',
        recordedAt: timestamp(posting.recordedAt),
      },
    },
    posting.postingId,
    posting.postingId,
    posting.recordedAt,
    cause,
  );
}

export function penaltyAssessed(penalty: Penalty, cause: Causation): EventEnvelope {
  return envelope(
    {
      penaltyAssessed: {
        penaltyId: penalty.penaltyId,
        providerId: penalty.providerId,
        jobId: penalty.jobId,
        amountBaseUnits: penalty.amountBaseUnits.toString(),
        reason: penalty.reason,
        justifyingEventIds: [...penalty.justifyingEventIds],
        assessedAt: timestamp(penalty.assessedAt),
      },
    },
    penalty.penaltyId,
    penalty.providerId,
    penalty.assessedAt,
    { correlationId: penalty.jobId, ...cause },
  );
}

export function payoutIssued(payout: PayoutIssued, cause: Causation): EventEnvelope {
  return envelope(
    {
      payoutIssued: {
        payoutId: payout.payoutId,
        epochId: payout.epochId,
        providerId: payout.providerId,
        statementId: payout.statement.statementId,
        amountBaseUnits: payout.amountBaseUnits.toString(),
        usageIds: [...payout.statement.usageIds],
        issuedAt: timestamp(payout.issuedAt),
      },
    },
    payout.payoutId,
    payout.providerId,
    payout.issuedAt,
    { correlationId: payout.epochId, ...cause },
  );
}

export function epochClosed(closed: EpochClosed, cause: Causation): EventEnvelope {
  return envelope(
    {
      epochClosed: {
        epochId: closed.epochId,
        cutoff: timestamp(closed.cutoff),
        payoutCount: closed.payoutCount,
        totalBaseUnits: closed.totalBaseUnits.toString(),
        closedAt: timestamp(closed.closedAt),
      },
    },
    `epoch-closed:${closed.epochId}`,
    closed.epochId,
    closed.closedAt,
    { correlationId: closed.epochId, ...cause },
  );
}

export function spendingCapExceeded(alert: SpendingCapExceeded, usageId: string, cause: Causation): EventEnvelope {
  return envelope(
    {
      spendingCapExceeded: {
        tenantId: alert.tenantId,
        capBaseUnits: alert.capBaseUnits.toString(),
        spentBaseUnits: alert.spentBaseUnits.toString(),
        windowStart: timestamp(alert.windowStart),
        detectedAt: timestamp(alert.detectedAt),
      },
    },
    `cap-exceeded:${usageId}`,
    `tenant:${alert.tenantId}`,
    alert.detectedAt,
    cause,
  );
}

const POSTING_KIND: Record<Posting['kind'], events.PostingKind> = {
  USAGE: events.PostingKind.POSTING_KIND_USAGE,
  PENALTY: events.PostingKind.POSTING_KIND_PENALTY,
  PAYOUT: events.PostingKind.POSTING_KIND_PAYOUT,
  REVERSAL: events.PostingKind.POSTING_KIND_REVERSAL,
};

type OneOf<E> = { [K in keyof E]-?: { [P in K]: NonNullable<E[K]> } }[keyof E];

function envelope(event: OneOf<events.LedgerEvent>, idSeed: string, subject: string, at: Date, cause: Causation): EventEnvelope {
  const member = Object.keys(event)[0]!;
  return {
    id: eventId(`${member}:${idSeed}`),
    type: TYPE_PREFIX + member.charAt(0).toUpperCase() + member.slice(1),
    source: SOURCE,
    subject,
    time: at.toISOString(),
    ...(cause.causationId === undefined ? {} : { causationId: cause.causationId }),
    ...(cause.correlationId === undefined ? {} : { correlationId: cause.correlationId }),
    ...(cause.traceparent === undefined ? {} : { traceparent: cause.traceparent }),
    data: events.LedgerEvent.toJSON(event as events.LedgerEvent) as JsonValue,
  };
}

/** A UUID-shaped id derived from the seed (name-based, like UUID v5). */
function eventId(seed: string): string {
  const hex = createHash('sha256').update(`switchyard/payout/${seed}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

function timestamp(at: Date): { seconds: string; nanos: number } {
  const ms = at.getTime();
  return { seconds: Math.floor(ms / 1000).toString(), nanos: (ms % 1000) * 1_000_000 };
}
