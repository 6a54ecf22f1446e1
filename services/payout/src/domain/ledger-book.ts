// The ledger's rules in memory, the same ones the PostgreSQL tables enforce with constraints: one
// posting per source id, balanced postings only, balances as sums of entries, a usage id or
// penalty id settled by at most one payout. The CLI replays the ledger topic into it; the
// property test drives it with random histories.
import type { AccountId } from './accounts.js';
import { closeEpoch, type CloseEpochCommand, type EpochClosing, type OpenItem } from './close-epoch.js';
import type { Penalty } from './penalties.js';
import type { MeteredUsage } from './post-usage.js';
import { postingTotal, reversePosting, type Posting } from './posting.js';
import { LedgerError } from './accounts.js';

export class LedgerBook {
  private readonly postings = new Map<string, Posting>();
  private readonly balanceByAccount = new Map<AccountId, bigint>();
  private readonly open = new Map<string, OpenItem>();
  private readonly settledBy = new Map<string, string>();

  /** Records a posting unless its source id already has one; returns whether it was recorded. */
  record(posting: Posting): boolean {
    if (this.postings.has(posting.sourceId)) return false;
    if (postingTotal(posting.entries) !== 0n) throw new LedgerError('UNBALANCED_POSTING', `${posting.postingId} does not sum to zero`);
    this.postings.set(posting.sourceId, posting);
    for (const entry of posting.entries) {
      this.balanceByAccount.set(entry.accountId, (this.balanceByAccount.get(entry.accountId) ?? 0n) + entry.amount);
    }
    return true;
  }

  /**
   * Reverses a posting (a correction) and withdraws its earning or penalty from the open items.
   * A settled item is not reversed: a payout already paid it, so a correction needs a new posting
   * the next statement can carry, not a silent change of a closed one.
   */
  reverse(postingId: string, at: Date): Posting {
    const original = [...this.postings.values()].find((posting) => posting.postingId === postingId);
    if (!original) throw new LedgerError('UNBALANCED_POSTING', `no posting ${postingId}`);
    if (this.settledBy.has(original.sourceId)) throw new LedgerError('ALREADY_SETTLED', `${original.sourceId} is settled by ${this.settledBy.get(original.sourceId)}`);
    const reversal = reversePosting(original, at);
    if (!this.record(reversal)) throw new LedgerError('ALREADY_SETTLED', `${postingId} is already reversed`);
    this.open.delete(original.sourceId);
    return reversal;
  }

  /** Records a usage posting and opens its earning for the next epoch. */
  recordUsage(usage: MeteredUsage, posting: Posting): boolean {
    if (!this.record(posting)) return false;
    this.open.set(usage.usageId, { kind: 'usage', usageId: usage.usageId, providerId: usage.providerId, earningBaseUnits: usage.earningBaseUnits, at: usage.meteredAt });
    return true;
  }

  recordPenalty(penalty: Penalty, posting: Posting): boolean {
    if (!this.record(posting)) return false;
    this.open.set(penalty.penaltyId, { kind: 'penalty', penaltyId: penalty.penaltyId, providerId: penalty.providerId, amountBaseUnits: penalty.amountBaseUnits, at: penalty.assessedAt });
    return true;
  }

  /** Closes an epoch over the open items and settles what its payouts list. */
  closeEpoch(command: CloseEpochCommand): EpochClosing {
    const closing = closeEpoch([...this.open.values()], command);
    for (const payout of closing.payouts) {
      for (const id of [...payout.statement.usageIds, ...payout.statement.penaltyIds]) {
        if (this.settledBy.has(id)) throw new LedgerError('UNBALANCED_POSTING', `${id} is already settled by ${this.settledBy.get(id)}`);
        this.settledBy.set(id, payout.payoutId);
        this.open.delete(id);
      }
      this.record(payout.posting);
    }
    return closing;
  }

  balance(accountId: AccountId): bigint {
    return this.balanceByAccount.get(accountId) ?? 0n;
  }

  balances(): ReadonlyMap<AccountId, bigint> {
    return this.balanceByAccount;
  }

  allPostings(): readonly Posting[] {
    return [...this.postings.values()];
  }

  openItems(): readonly OpenItem[] {
    return [...this.open.values()];
  }

  /** The payout that settled a usage or penalty id, if any. */
  settlementOf(itemId: string): string | undefined {
    return this.settledBy.get(itemId);
  }
}
