// A double-entry posting: entries with signed integer amounts (negative debits, positive credits)
// that sum to zero. Postings are never changed; a correction is a reversal posting.
import { LedgerError, type AccountId } from './accounts.js';

export type PostingKind = 'USAGE' | 'PENALTY' | 'PAYOUT' | 'REVERSAL';

export interface Entry {
  readonly accountId: AccountId;
  readonly amount: bigint;
}

export interface Posting {
  readonly postingId: string;
  /** What caused it (usage id, penalty id, payout id, reversed posting id): one posting per source. */
  readonly sourceId: string;
  readonly kind: PostingKind;
  readonly entries: readonly Entry[];
  readonly reversesPostingId?: string;
  readonly recordedAt: Date;
}

/** The id of the posting a source causes: deterministic, so a replay produces the same ids. */
export function postingIdFor(kind: PostingKind, sourceId: string): string {
  return `${kind.toLowerCase()}:${sourceId}`;
}

export function postingTotal(entries: readonly Entry[]): bigint {
  return entries.reduce((sum, entry) => sum + entry.amount, 0n);
}

/** Builds a posting, refusing one whose entries do not sum to zero or that has fewer than two. */
export function posting(fields: Omit<Posting, 'postingId'> & { postingId?: string }): Posting {
  const total = postingTotal(fields.entries);
  if (total !== 0n) throw new LedgerError('UNBALANCED_POSTING', `posting for ${fields.sourceId} sums to ${total}, not 0`);
  if (fields.entries.length < 2) throw new LedgerError('UNBALANCED_POSTING', `posting for ${fields.sourceId} needs at least two entries`);
  return { ...fields, postingId: fields.postingId ?? postingIdFor(fields.kind, fields.sourceId) };
}

/** The correction of `original`: the same entries with opposite signs; one reversal per posting. */
export function reversePosting(original: Posting, recordedAt: Date): Posting {
  if (original.kind === 'REVERSAL')
    throw new LedgerError('UNBALANCED_POSTING', `${original.postingId} is a reversal; post the original again instead`);
  return posting({
    sourceId: original.postingId,
    kind: 'REVERSAL',
    entries: original.entries.map((entry) => ({ accountId: entry.accountId, amount: -entry.amount })),
    reversesPostingId: original.postingId,
    recordedAt,
  });
}
