import { describe, expect, it } from '@jest/globals';
import { events } from '@switchyard/contracts/messages';
import { usage } from './ledger.fixtures.js';
import { postUsage } from './post-usage.js';
import { postingFromEvent, replayLedger } from './replay-ledger.js';

const recorded = (usageId: string, charge: bigint, fee: bigint): events.LedgerEvent => {
  const p = postUsage(usage({ usageId, chargeBaseUnits: charge, earningBaseUnits: charge - fee, feeBaseUnits: fee }));
  return {
    postingRecorded: {
      postingId: p.postingId,
      sourceId: p.sourceId,
      kind: events.PostingKind.POSTING_KIND_USAGE,
      entries: p.entries.map((e) => ({ accountId: e.accountId, amountBaseUnits: e.amount.toString() })),
      reversesPostingId: '',
      recordedAt: { seconds: '1793491200', nanos: 5_000_000 },
    },
  } as events.LedgerEvent;
};

describe('replayLedger', () => {
  it('given PostingRecorded events, including a copy the relay published twice, rebuilds the balances', () => {
    const first = recorded('u-1', 1_000n, 100n);

    const book = replayLedger([first, recorded('u-2', 500n, 50n), first, { epochClosed: { epochId: 'e' } } as events.LedgerEvent]);

    expect(book.balance(postUsage(usage()).entries[0]!.accountId)).toBe(-1_500n);
    expect(book.balance(postUsage(usage()).entries[2]!.accountId)).toBe(150n);
    expect(book.allPostings()).toHaveLength(2);
  });

  it('refuses a recorded posting that does not balance', () => {
    const bad = recorded('u-3', 10n, 1n).postingRecorded!;
    expect(() => postingFromEvent({ ...bad, entries: bad.entries.slice(1) })).toThrow(/sums to/);
  });

  it('keeps the recorded time to the millisecond', () => {
    expect(postingFromEvent(recorded('u-4', 1n, 0n).postingRecorded!).recordedAt.toISOString()).toBe('2026-11-01T00:00:00.005Z');
  });
});
