// One UsageMetered becomes one posting: the tenant is debited the charge, the provider credited
// its earning and the protocol its fee. The posting's source id is the usage id, so the ledger's
// unique source id makes a redelivered UsageMetered a no-op. A gang split over providers has one
// usage (its lead reports for the whole gang): the earning is shared among the members by GPUs.
import { LedgerError, PROTOCOL_FEES, providerAccount, tenantAccount } from './accounts.js';
import { posting, type Entry, type Posting } from './posting.js';

/** A priced usage report, as UsageMetered carries it, with amounts as bigints. */
export interface MeteredUsage {
  readonly usageId: string;
  readonly jobId: string;
  readonly attempt: number;
  readonly reportId: string;
  readonly tenantId: string;
  readonly providerId: string;
  readonly chargeBaseUnits: bigint;
  readonly earningBaseUnits: bigint;
  readonly feeBaseUnits: bigint;
  readonly meteredAt: Date;
}

/** A provider of a gang and the GPUs it gives, as JobPlaced lists them (the lead first). */
export interface GangMember {
  readonly providerId: string;
  readonly gpuCount: number;
}

export interface EarningShare {
  readonly providerId: string;
  readonly earningBaseUnits: bigint;
}

/**
 * Posts a usage. `gang` is the JobPlaced's members of the usage's attempt when it was a gang split
 * over providers (empty or absent otherwise): each member is credited its share of the earning.
 */
export function postUsage(usage: MeteredUsage, gang: readonly GangMember[] = []): Posting {
  const { chargeBaseUnits: charge, earningBaseUnits: earning, feeBaseUnits: fee } = usage;
  if (charge < 0n || earning < 0n || fee < 0n) {
    throw new LedgerError(
      'NEGATIVE_AMOUNT',
      `usage ${usage.usageId} has a negative amount (charge ${charge}, earning ${earning}, fee ${fee})`,
    );
  }
  if (charge !== earning + fee) {
    throw new LedgerError('INCONSISTENT_USAGE', `usage ${usage.usageId}: charge ${charge} is not earning ${earning} + fee ${fee}`);
  }
  const shares = gang.length === 0 ? [{ providerId: usage.providerId, earningBaseUnits: earning }] : splitEarning(usage, gang);
  return posting({
    sourceId: usage.usageId,
    kind: 'USAGE',
    entries: [
      { accountId: tenantAccount(usage.tenantId), amount: -charge },
      ...shares.map((share): Entry => ({ accountId: providerAccount(share.providerId), amount: share.earningBaseUnits })),
      { accountId: PROTOCOL_FEES, amount: fee },
    ],
    recordedAt: usage.meteredAt,
  });
}

/**
 * The earning shared in proportion to the GPUs each member gives: floor(earning × gpus / total)
 * each, and the few base units the floors leave go to the lead, which reported the usage. The
 * shares sum to the earning, so the posting still balances.
 */
export function splitEarning(usage: MeteredUsage, gang: readonly GangMember[]): EarningShare[] {
  const refuse = (why: string): never => {
    throw new LedgerError('INCONSISTENT_GANG', `usage ${usage.usageId} of ${usage.jobId}#${usage.attempt}: ${why}`);
  };
  if (gang[0]?.providerId !== usage.providerId)
    refuse(`the gang is led by "${gang[0]?.providerId ?? ''}", but provider ${usage.providerId} reported it`);
  if (new Set(gang.map((member) => member.providerId)).size !== gang.length) refuse('a provider is listed twice in the gang');
  for (const member of gang) {
    if (!Number.isSafeInteger(member.gpuCount) || member.gpuCount <= 0) refuse(`member ${member.providerId} gives ${member.gpuCount} GPUs`);
  }
  const total = gang.reduce((sum, member) => sum + BigInt(member.gpuCount), 0n);
  const shares = gang.map((member) => ({
    providerId: member.providerId,
    earningBaseUnits: (usage.earningBaseUnits * BigInt(member.gpuCount)) / total,
  }));
  const remainder = usage.earningBaseUnits - shares.reduce((sum, share) => sum + share.earningBaseUnits, 0n);
  shares[0] = { providerId: shares[0]!.providerId, earningBaseUnits: shares[0]!.earningBaseUnits + remainder };
  return shares;
}
