import { describe, expect, it } from '@jest/globals';
import { closeEpoch, type OpenItem } from './close-epoch.js';
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

    expect(payout).toMatchObject({ amountBaseUnits: 380n, statement: { usageIds: ['u1'], penaltyIds: ['pen-1'], earningsBaseUnits: 500n, penaltiesBaseUnits: 120n } });
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
