import { describe, expect, it } from '@jest/globals';
import { closeEpoch, decideEpochClose, type OpenItem } from './close-epoch.js';
import { at } from './ledger.fixtures.js';
import { postingTotal } from './posting.js';

const earning = (usageId: string, providerId: string, amount: bigint, seconds = 10): OpenItem => ({
  kind: 'usage',
  usageId,
  providerId,
  earningBaseUnits: amount,
  at: at(seconds),
});
const penalty = (penaltyId: string, providerId: string, amount: bigint, seconds = 10): OpenItem => ({
  kind: 'penalty',
  penaltyId,
  providerId,
  amountBaseUnits: amount,
  at: at(seconds),
});

const command = { epochId: 'epoch-1', cutoff: at(100), closedAt: at(120) };

describe('closeEpoch', () => {
  it('given earnings of two providers, issues one payout each whose statement lists exactly its usage ids', () => {
    const closing = closeEpoch([earning('u1', 'p-a', 500n), earning('u2', 'p-b', 300n), earning('u3', 'p-a', 200n)], command);

    expect(closing.payouts.map((p) => [p.providerId, p.amountBaseUnits, p.statement.usageIds])).toEqual([
      ['p-a', 700n, ['u1', 'u3']],
      ['p-b', 300n, ['u2']],
    ]);
    expect(closing.epochClosed).toEqual({ epochId: 'epoch-1', cutoff: at(100), payoutCount: 2, totalBaseUnits: 1_000n, closedAt: at(120) });
  });

  it('pays with a posting that debits the provider and credits payouts:paid', () => {
    const [payout] = closeEpoch([earning('u1', 'p-a', 500n)], command).payouts;

    expect(payout?.posting).toMatchObject({
      postingId: 'payout:payout:epoch-1:p-a',
      sourceId: 'payout:epoch-1:p-a',
      kind: 'PAYOUT',
      entries: [
        { accountId: 'provider:p-a', amount: -500n },
        { accountId: 'payouts:paid', amount: 500n },
      ],
    });
    expect(postingTotal(payout!.posting.entries)).toBe(0n);
  });

  it('nets penalties against earnings and lists them on the statement', () => {
    const [payout] = closeEpoch([earning('u1', 'p-a', 500n), penalty('pen-1', 'p-a', 120n)], command).payouts;

    expect(payout).toMatchObject({
      amountBaseUnits: 380n,
      statement: { usageIds: ['u1'], penaltyIds: ['pen-1'], earningsBaseUnits: 500n, penaltiesBaseUnits: 120n },
    });
  });

  it('pays nothing to a provider whose penalties eat its earnings and leaves its items open', () => {
    const closing = closeEpoch([earning('u1', 'p-a', 100n), penalty('pen-1', 'p-a', 120n)], command);

    expect(closing.payouts).toEqual([]);
    expect(closing.epochClosed.payoutCount).toBe(0);
  });

  it('leaves usage metered at or after the cutoff for a later epoch', () => {
    const closing = closeEpoch([earning('u1', 'p-a', 100n, 99), earning('u2', 'p-a', 50n, 100)], command);

    expect(closing.payouts[0]?.statement.usageIds).toEqual(['u1']);
  });

  it('given nothing open, closes with no payouts', () => {
    expect(closeEpoch([], command)).toEqual({ payouts: [], epochClosed: { ...command, payoutCount: 0, totalBaseUnits: 0n } });
  });
});

describe('decideEpochClose', () => {
  const items = [earning('u1', 'gpu-a', 100n, 10), earning('u2', 'gpu-a', 50n, 150)];

  it('numbers the epoch after the previous one and settles what was open before the cutoff', () => {
    const decision = decideEpochClose({ seq: 4, cutoff: at(50) }, items, { cutoff: at(100), now: at(120) });
    expect(
      decision.kind === 'close' && {
        seq: decision.seq,
        epochId: decision.epochId,
        cutoff: decision.cutoff,
        total: decision.closing.epochClosed.totalBaseUnits,
      },
    ).toEqual({
      seq: 5,
      epochId: 'epoch-000005',
      cutoff: at(100),
      total: 100n,
    });
  });

  it('without a cutoff, the first epoch cuts off now', () => {
    const decision = decideEpochClose(undefined, items, { cutoff: undefined, now: at(200) });
    expect(decision.kind === 'close' && [decision.epochId, decision.cutoff, decision.closing.epochClosed.totalBaseUnits]).toEqual([
      'epoch-000001',
      at(200),
      150n,
    ]);
  });

  it('refuses a cutoff in the future, or before the previous cutoff', () => {
    expect(decideEpochClose(undefined, items, { cutoff: at(121), now: at(120) })).toEqual({
      kind: 'refused',
      reason: `cutoff ${at(121).toISOString()} is in the future`,
    });
    expect(decideEpochClose({ seq: 1, cutoff: at(100) }, items, { cutoff: at(99), now: at(120) }).kind).toBe('refused');
  });
});
