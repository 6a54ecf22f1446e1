// One UsageMetered becomes one posting: the tenant is debited the charge, the provider credited
// its earning and the protocol its fee. The posting's source id is the usage id, so the ledger's
// unique source id makes a redelivered UsageMetered a no-op.
import { LedgerError, PROTOCOL_FEES, providerAccount, tenantAccount } from './accounts.js';
import { posting, type Posting } from './posting.js';

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

export function postUsage(usage: MeteredUsage): Posting {
  const { chargeBaseUnits: charge, earningBaseUnits: earning, feeBaseUnits: fee } = usage;
  if (charge < 0n || earning < 0n || fee < 0n) {
    throw new LedgerError('NEGATIVE_AMOUNT', `usage ${usage.usageId} has a negative amount (charge ${charge}, earning ${earning}, fee ${fee})`);
  }
  if (charge !== earning + fee) {
    throw new LedgerError('INCONSISTENT_USAGE', `usage ${usage.usageId}: charge ${charge} is not earning ${earning} + fee ${fee}`);
  }
  return posting({
    sourceId: usage.usageId,
    kind: 'USAGE',
    entries: [
      { accountId: tenantAccount(usage.tenantId), amount: -charge },
      { accountId: providerAccount(usage.providerId), amount: earning },
      { accountId: PROTOCOL_FEES, amount: fee },
    ],
    recordedAt: usage.meteredAt,
  });
}
