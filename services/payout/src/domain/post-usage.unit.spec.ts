import { describe, expect, it } from '@jest/globals';
import { LedgerError } from './accounts.js';
import { at, usage } from './ledger.fixtures.js';
import { postUsage } from './post-usage.js';
import { postingTotal, reversePosting } from './posting.js';

describe('postUsage', () => {
  it('given a metered usage, debits the tenant the charge and credits the provider and the protocol fee', () => {
    const posting = postUsage(usage({ chargeBaseUnits: 1_000n, earningBaseUnits: 850n, feeBaseUnits: 150n }));

    expect(posting).toEqual({
      postingId: 'usage:usage-1',
      sourceId: 'usage-1',
      kind: 'USAGE',
      entries: [
        { accountId: 'tenant:acme', amount: -1_000n },
        { accountId: 'provider:gpu-north-1', amount: 850n },
        { accountId: 'protocol:fees', amount: 150n },
      ],
      recordedAt: at(10),
    });
    expect(postingTotal(posting.entries)).toBe(0n);
  });

  it('keeps amounts beyond 2^53 exact', () => {
    const charge = 9_007_199_254_740_993_123n;
    const posting = postUsage(usage({ chargeBaseUnits: charge, earningBaseUnits: charge - 7n, feeBaseUnits: 7n }));

    expect(posting.entries.map((entry) => entry.amount)).toEqual([-charge, charge - 7n, 7n]);
  });

  it('refuses a usage whose charge is not earning plus fee', () => {
    expect(() => postUsage(usage({ chargeBaseUnits: 1_000n, earningBaseUnits: 900n, feeBaseUnits: 99n }))).toThrow(LedgerError);
  });

  it('refuses negative amounts', () => {
    expect(() => postUsage(usage({ chargeBaseUnits: -100n, earningBaseUnits: -100n, feeBaseUnits: 0n }))).toThrow(/negative/);
  });
});

describe('reversePosting', () => {
  it('given a usage posting, when reversed, then every entry is negated and the reversal points at it', () => {
    const original = postUsage(usage());

    const reversal = reversePosting(original, at(99));

    expect(reversal).toMatchObject({ postingId: 'reversal:usage:usage-1', sourceId: 'usage:usage-1', kind: 'REVERSAL', reversesPostingId: 'usage:usage-1' });
    expect(reversal.entries.map((entry) => entry.amount)).toEqual([1_000n, -900n, -100n]);
    expect(postingTotal(reversal.entries)).toBe(0n);
  });

  it('does not reverse a reversal', () => {
    expect(() => reversePosting(reversePosting(postUsage(usage()), at(1)), at(2))).toThrow(LedgerError);
  });
});
