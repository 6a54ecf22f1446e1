import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LedgerError } from './accounts.js';
import { at, usage } from './ledger.fixtures.js';
import { postUsage, splitEarning, type GangMember } from './post-usage.js';
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

describe('postUsage of a gang split over providers', () => {
  const gangUsage = usage({ providerId: 'gpu-lead', chargeBaseUnits: 1_100n, earningBaseUnits: 1_000n, feeBaseUnits: 100n });

  it('given a gang of 4 + 4 GPUs, credits each member half the earning; the tenant and the fee are unchanged', () => {
    const posting = postUsage(gangUsage, [
      { providerId: 'gpu-lead', gpuCount: 4 },
      { providerId: 'gpu-other', gpuCount: 4 },
    ]);

    expect(posting.entries).toEqual([
      { accountId: 'tenant:acme', amount: -1_100n },
      { accountId: 'provider:gpu-lead', amount: 500n },
      { accountId: 'provider:gpu-other', amount: 500n },
      { accountId: 'protocol:fees', amount: 100n },
    ]);
    expect(posting.postingId).toBe('usage:usage-1');
  });

  it('given a gang of 5 + 3 GPUs and an earning that does not divide, the base units the floors leave go to the lead', () => {
    // 1000 × 5/8 = 625, 1000 × 3/8 = 375: exact; 1001 leaves one base unit over.
    const posting = postUsage(usage({ providerId: 'gpu-lead', chargeBaseUnits: 1_101n, earningBaseUnits: 1_001n, feeBaseUnits: 100n }), [
      { providerId: 'gpu-lead', gpuCount: 5 },
      { providerId: 'gpu-other', gpuCount: 3 },
    ]);

    expect(posting.entries.map((entry) => [entry.accountId, entry.amount])).toEqual([
      ['tenant:acme', -1_101n],
      ['provider:gpu-lead', 626n],
      ['provider:gpu-other', 375n],
      ['protocol:fees', 100n],
    ]);
    expect(postingTotal(posting.entries)).toBe(0n);
  });

  it('gives the lead the remainder even when it holds fewer GPUs than another member', () => {
    const shares = splitEarning(usage({ providerId: 'gpu-lead', earningBaseUnits: 10n }), [
      { providerId: 'gpu-lead', gpuCount: 1 },
      { providerId: 'gpu-b', gpuCount: 3 },
      { providerId: 'gpu-c', gpuCount: 3 },
    ]);

    // floors: 10/7 = 1, 30/7 = 4, 30/7 = 4; 1 left over.
    expect(shares).toEqual([
      { providerId: 'gpu-lead', earningBaseUnits: 2n },
      { providerId: 'gpu-b', earningBaseUnits: 4n },
      { providerId: 'gpu-c', earningBaseUnits: 4n },
    ]);
  });

  it('without a gang, or with no members listed, posts the usage to its provider alone', () => {
    expect(postUsage(gangUsage, [])).toEqual(postUsage(gangUsage));
    expect(postUsage(gangUsage).entries.map((entry) => entry.accountId)).toEqual(['tenant:acme', 'provider:gpu-lead', 'protocol:fees']);
  });

  it('keeps shares of amounts beyond 2^53 exact', () => {
    const earning = 9_007_199_254_740_993_123n;
    const shares = splitEarning(usage({ providerId: 'gpu-lead', earningBaseUnits: earning }), [
      { providerId: 'gpu-lead', gpuCount: 5 },
      { providerId: 'gpu-other', gpuCount: 3 },
    ]);

    expect(shares[1]!.earningBaseUnits).toBe((earning * 3n) / 8n);
    expect(shares[0]!.earningBaseUnits + shares[1]!.earningBaseUnits).toBe(earning);
  });

  it('refuses a gang not led by the provider that reported the usage, a provider listed twice, or a member without GPUs', () => {
    const refused =
      (gang: GangMember[]): (() => unknown) =>
      () =>
        postUsage(gangUsage, gang);

    expect(
      refused([
        { providerId: 'gpu-other', gpuCount: 4 },
        { providerId: 'gpu-lead', gpuCount: 4 },
      ]),
    ).toThrow(/led by "gpu-other"/);
    expect(
      refused([
        { providerId: 'gpu-lead', gpuCount: 4 },
        { providerId: 'gpu-lead', gpuCount: 4 },
      ]),
    ).toThrow(/listed twice/);
    expect(
      refused([
        { providerId: 'gpu-lead', gpuCount: 4 },
        { providerId: 'gpu-other', gpuCount: 0 },
      ]),
    ).toThrow(LedgerError);
  });

  it('property: every share is at least floor(earning × gpus / total), the lead takes less than one base unit per member more, and the posting sums to zero', () => {
    const gangArb = fc
      .array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 })
      .map((counts) => counts.map((gpuCount, i) => ({ providerId: `p-${i}`, gpuCount })));
    fc.assert(
      fc.property(gangArb, fc.bigInt(0n, 10n ** 20n), fc.bigInt(0n, 10n ** 12n), (gang, earning, fee) => {
        const metered = usage({ providerId: 'p-0', earningBaseUnits: earning, feeBaseUnits: fee, chargeBaseUnits: earning + fee });
        const posting = postUsage(metered, gang);
        const total = BigInt(gang.reduce((sum, member) => sum + member.gpuCount, 0));

        expect(postingTotal(posting.entries)).toBe(0n);
        const credited = posting.entries.slice(1, -1);
        expect(credited.map((entry) => entry.accountId)).toEqual(gang.map((member) => `provider:${member.providerId}`));
        credited.forEach((entry, i) => {
          const floor = (earning * BigInt(gang[i]!.gpuCount)) / total;
          if (i === 0) {
            expect(entry.amount - floor).toBeGreaterThanOrEqual(0n);
            expect(entry.amount - floor).toBeLessThan(BigInt(gang.length));
          } else {
            expect(entry.amount).toBe(floor);
          }
        });
        expect(credited.reduce((sum, entry) => sum + entry.amount, 0n)).toBe(earning);
      }),
      { numRuns: 2_000, seed: 20261201 },
    );
  });
});

describe('reversePosting', () => {
  it('given a usage posting, when reversed, then every entry is negated and the reversal points at it', () => {
    const original = postUsage(usage());

    const reversal = reversePosting(original, at(99));

    expect(reversal).toMatchObject({
      postingId: 'reversal:usage:usage-1',
      sourceId: 'usage:usage-1',
      kind: 'REVERSAL',
      reversesPostingId: 'usage:usage-1',
    });
    expect(reversal.entries.map((entry) => entry.amount)).toEqual([1_000n, -900n, -100n]);
    expect(postingTotal(reversal.entries)).toBe(0n);
  });

  it('does not reverse a reversal', () => {
    expect(() => reversePosting(reversePosting(postUsage(usage()), at(1)), at(2))).toThrow(LedgerError);
  });
});
