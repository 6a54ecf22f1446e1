// The ledger's rules in memory, the same ones the PostgreSQL tables enforce with constraints: one
// posting per source id, balanced postings only, balances as sums of entries, a usage id or
// penalty id settled by at most one payout per provider (a gang's usage pays each member its
// share). The CLI replays the ledger topic into it; the property test drives it with random histories.
import { accountHolder, type AccountId } from './accounts.js';
import { closeEpoch, type CloseEpochCommand, type EpochClosing, type OpenItem } from './close-epoch.js';
import type { Penalty } from './penalties.js';
import type { MeteredUsage } from './post-usage.js';
import { postingTotal, reversePosting, type Posting } from './posting.js';
import { LedgerError } from './accounts.js';

export class LedgerBook {
  private readonly postings = new Map<string, Posting>();
  private readonly balanceByAccount = new Map<AccountId, bigint>();
  /** Keyed by item id and provider: a gang's usage is one open item per member. */
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
    const settled = this.settlementOf(original.sourceId);
    if (settled) throw new LedgerError('ALREADY_SETTLED', `${original.sourceId} is settled by ${settled}`);
    const reversal = reversePosting(original, at);
    if (!this.record(reversal)) throw new LedgerError('ALREADY_SETTLED', `${postingId} is already reversed`);
    for (const [key, item] of this.open) if (itemIdOf(item) === original.sourceId) this.open.delete(key);
    return reversal;
  }

  /**
   * Records a usage posting and opens its earning for the next epoch: one item per provider the
   * posting credits (the provider, or each member of a gang with its share), as the table does.
   */
  recordUsage(usage: MeteredUsage, posting: Posting): boolean {
    if (!this.record(posting)) return false;
    for (const entry of posting.entries) {
      const holder = accountHolder(entry.accountId);
      if (holder?.kind !== 'provider') continue;
      this.openItem({
        kind: 'usage',
        usageId: usage.usageId,
        providerId: holder.providerId,
        earningBaseUnits: entry.amount,
        at: usage.meteredAt,
      });
    }
    return true;
  }

  recordPenalty(penalty: Penalty, posting: Posting): boolean {
    if (!this.record(posting)) return false;
    this.openItem({
      kind: 'penalty',
      penaltyId: penalty.penaltyId,
      providerId: penalty.providerId,
      amountBaseUnits: penalty.amountBaseUnits,
      at: penalty.assessedAt,
    });
    return true;
  }

  /** Closes an epoch over the open items and settles what its payouts list. */
  closeEpoch(command: CloseEpochCommand): EpochClosing {
    const closing = closeEpoch([...this.open.values()], command);
    for (const payout of closing.payouts) {
      for (const id of [...payout.statement.usageIds, ...payout.statement.penaltyIds]) {
        const key = keyOf(id, payout.providerId);
        if (this.settledBy.has(key)) throw new LedgerError('UNBALANCED_POSTING', `${id} is already settled by ${this.settledBy.get(key)}`);
        this.settledBy.set(key, payout.payoutId);
        this.open.delete(key);
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

  /** The payout that settled a usage or penalty id (the given provider's share, or any), if any. */
  settlementOf(itemId: string, providerId?: string): string | undefined {
    if (providerId !== undefined) return this.settledBy.get(keyOf(itemId, providerId));
    for (const [key, payoutId] of this.settledBy) if (key.startsWith(`${itemId}\u0000`)) return payoutId;
    return undefined;
  }

  private openItem(item: OpenItem): void {
    this.open.set(keyOf(itemIdOf(item), item.providerId), item);
  }
}

function itemIdOf(item: OpenItem): string {
  return item.kind === 'usage' ? item.usageId : item.penaltyId;
}

// NUL cannot occur in an id read from the ledger's text columns, so the key is unambiguous.
function keyOf(itemId: string, providerId: string): string {
  return `${itemId}\u0000${providerId}`;
}
