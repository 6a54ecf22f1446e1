// Rebuilding balances from the ledger topic alone: the log, not the payout database, is the
// source of truth, so an SRE (or the CLI) can fold the PostingRecorded events and check them
// against what the service answers. A copy published twice by the relay counts once.
import { events } from '@switchyard/contracts/messages';
import { baseUnits, LedgerError, type AccountId } from './accounts.js';
import { LedgerBook } from './ledger-book.js';
import { posting, type Posting, type PostingKind } from './posting.js';

const KINDS: Record<events.PostingKind, PostingKind | undefined> = {
  [events.PostingKind.POSTING_KIND_USAGE]: 'USAGE',
  [events.PostingKind.POSTING_KIND_PENALTY]: 'PENALTY',
  [events.PostingKind.POSTING_KIND_PAYOUT]: 'PAYOUT',
  [events.PostingKind.POSTING_KIND_REVERSAL]: 'REVERSAL',
  [events.PostingKind.POSTING_KIND_UNSPECIFIED]: undefined,
  [events.PostingKind.UNRECOGNIZED]: undefined,
};

/** A PostingRecorded as a posting; refuses one that does not balance. */
export function postingFromEvent(recorded: events.PostingRecorded): Posting {
  const kind = KINDS[recorded.kind];
  if (kind === undefined) throw new LedgerError('UNBALANCED_POSTING', `posting ${recorded.postingId} has no kind`);
  const seconds = Number(recorded.recordedAt?.seconds ?? 0);
  return posting({
    postingId: recorded.postingId,
    sourceId: recorded.sourceId,
    kind,
    entries: recorded.entries.map((entry) => ({
      accountId: entry.accountId as AccountId,
      amount: baseUnits(entry.amountBaseUnits, `${recorded.postingId} entry`),
    })),
    ...(recorded.reversesPostingId ? { reversesPostingId: recorded.reversesPostingId } : {}),
    recordedAt: new Date(seconds * 1000 + Math.floor((recorded.recordedAt?.nanos ?? 0) / 1_000_000)),
  });
}

/** Folds the ledger topic's events (in any order across keys) into balances. */
export function replayLedger(ledgerEvents: Iterable<events.LedgerEvent>): LedgerBook {
  const book = new LedgerBook();
  for (const event of ledgerEvents) {
    if (event.postingRecorded) book.record(postingFromEvent(event.postingRecorded));
  }
  return book;
}
