// Closing an epoch: every provider's unsettled earnings and penalties from before the cutoff are
// netted into one payout with a statement that lists exactly what it settles. A settled item is
// never open again, so nothing is paid twice and a second close pays nothing more.
import { PAYOUTS_PAID, providerAccount } from './accounts.js';
import { posting, type Posting } from './posting.js';
import { unreachable } from './unreachable.js';

/** An earning or a penalty not yet settled by any payout. */
export type OpenItem =
  | { readonly kind: 'usage'; readonly usageId: string; readonly providerId: string; readonly earningBaseUnits: bigint; readonly at: Date }
  | {
      readonly kind: 'penalty';
      readonly penaltyId: string;
      readonly providerId: string;
      readonly amountBaseUnits: bigint;
      readonly at: Date;
    };

export interface CloseEpochCommand {
  readonly epochId: string;
  /** Items recorded strictly before the cutoff fall into the epoch. */
  readonly cutoff: Date;
  readonly closedAt: Date;
}

export interface Statement {
  readonly statementId: string;
  readonly usageIds: readonly string[];
  readonly penaltyIds: readonly string[];
  readonly earningsBaseUnits: bigint;
  readonly penaltiesBaseUnits: bigint;
}

export interface PayoutIssued {
  readonly payoutId: string;
  readonly epochId: string;
  readonly providerId: string;
  /** Earnings minus penalties of the statement; always positive. */
  readonly amountBaseUnits: bigint;
  readonly statement: Statement;
  readonly posting: Posting;
  readonly issuedAt: Date;
}

export interface EpochClosed {
  readonly epochId: string;
  readonly cutoff: Date;
  readonly payoutCount: number;
  readonly totalBaseUnits: bigint;
  readonly closedAt: Date;
}

export interface EpochClosing {
  readonly payouts: readonly PayoutIssued[];
  readonly epochClosed: EpochClosed;
}

/**
 * Pays each provider whose net (earnings minus penalties before the cutoff) is positive; a
 * provider whose penalties eat its earnings is paid nothing and its items stay open, so the
 * penalty is deducted from a later epoch instead of being forgiven.
 */
export function closeEpoch(openItems: readonly OpenItem[], command: CloseEpochCommand): EpochClosing {
  const byProvider = new Map<string, OpenItem[]>();
  for (const item of openItems) {
    if (item.at.getTime() >= command.cutoff.getTime()) continue;
    const list = byProvider.get(item.providerId) ?? [];
    list.push(item);
    byProvider.set(item.providerId, list);
  }
  const payouts: PayoutIssued[] = [];
  for (const providerId of [...byProvider.keys()].sort()) {
    const payout = payoutFor(providerId, byProvider.get(providerId)!, command);
    if (payout) payouts.push(payout);
  }
  const totalBaseUnits = payouts.reduce((sum, payout) => sum + payout.amountBaseUnits, 0n);
  return {
    payouts,
    epochClosed: {
      epochId: command.epochId,
      cutoff: command.cutoff,
      payoutCount: payouts.length,
      totalBaseUnits,
      closedAt: command.closedAt,
    },
  };
}

function payoutFor(providerId: string, items: readonly OpenItem[], command: CloseEpochCommand): PayoutIssued | undefined {
  const usageIds: string[] = [];
  const penaltyIds: string[] = [];
  let earnings = 0n;
  let penalties = 0n;
  for (const item of items) {
    switch (item.kind) {
      case 'usage':
        usageIds.push(item.usageId);
        earnings += item.earningBaseUnits;
        break;
      case 'penalty':
        penaltyIds.push(item.penaltyId);
        penalties += item.amountBaseUnits;
        break;
      default:
        unreachable(item);
    }
  }
  const amount = earnings - penalties;
  if (amount <= 0n) return undefined;
  const payoutId = `payout:${command.epochId}:${providerId}`;
  return {
    payoutId,
    epochId: command.epochId,
    providerId,
    amountBaseUnits: amount,
    statement: {
      statementId: `statement:${command.epochId}:${providerId}`,
      usageIds: usageIds.sort(),
      penaltyIds: penaltyIds.sort(),
      earningsBaseUnits: earnings,
      penaltiesBaseUnits: penalties,
    },
    posting: posting({
      sourceId: payoutId,
      kind: 'PAYOUT',
      entries: [
        { accountId: providerAccount(providerId), amount: -amount },
        { accountId: PAYOUTS_PAID, amount },
      ],
      recordedAt: command.closedAt,
    }),
    issuedAt: command.closedAt,
  };
}

/** The last epoch closed, as the next close needs it. */
export interface PreviousEpoch {
  readonly seq: number;
  readonly cutoff: Date;
}

export type EpochCloseDecision =
  /** The cutoff is in the future, or before the previous epoch's: nothing closes. */
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'close'; readonly seq: number; readonly epochId: string; readonly cutoff: Date; readonly closing: EpochClosing };

/**
 * The next epoch: numbered after the previous one, cut off at the requested time (or now), which
 * may be neither in the future nor before the previous cutoff; it settles what was open before it.
 */
export function decideEpochClose(
  previous: PreviousEpoch | undefined,
  openItems: readonly OpenItem[],
  request: { readonly cutoff: Date | undefined; readonly now: Date },
): EpochCloseDecision {
  const cutoff = request.cutoff ?? request.now;
  if (cutoff.getTime() > request.now.getTime()) return { kind: 'refused', reason: `cutoff ${cutoff.toISOString()} is in the future` };
  if (previous && cutoff.getTime() < previous.cutoff.getTime()) {
    return {
      kind: 'refused',
      reason: `cutoff ${cutoff.toISOString()} is before the previous epoch's cutoff ${previous.cutoff.toISOString()}`,
    };
  }
  const seq = (previous?.seq ?? 0) + 1;
  const epochId = `epoch-${String(seq).padStart(6, '0')}`;
  return { kind: 'close', seq, epochId, cutoff, closing: closeEpoch(openItems, { epochId, cutoff, closedAt: request.now }) };
}
