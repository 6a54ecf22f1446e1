// The chart of accounts. Signs: a positive balance is what the ledger owes the account's holder,
// a negative one what the holder owes (a tenant's charges). Every posting sums to zero, so the
// balances of all accounts together are always zero.

/** `tenant:<id>`, `provider:<id>`, `protocol:fees` or `payouts:paid`. */
export type AccountId = string & { readonly __account: unique symbol };

/** Debited each usage charge, credited penalties paid to the tenant: its running spend (negative). */
export function tenantAccount(tenantId: string): AccountId {
  return account('tenant', tenantId);
}

/** Payable to the provider: credited its earnings, debited penalties and what a payout paid out. */
export function providerAccount(providerId: string): AccountId {
  return account('provider', providerId);
}

/** The protocol's fee income; also receives a penalty whose job's tenant is unknown. */
export const PROTOCOL_FEES = 'protocol:fees' as AccountId;

/** Clearing account of payouts: credited what left the ledger to providers' wallets. */
export const PAYOUTS_PAID = 'payouts:paid' as AccountId;

export type AccountHolder =
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'provider'; readonly providerId: string }
  | { readonly kind: 'protocol' };

/** Who an account belongs to, or undefined when the id is not in the chart. */
export function accountHolder(accountId: string): AccountHolder | undefined {
  if (accountId === PROTOCOL_FEES || accountId === PAYOUTS_PAID) return { kind: 'protocol' };
  const match = /^(tenant|provider):(.+)$/.exec(accountId);
  if (!match) return undefined;
  return match[1] === 'tenant' ? { kind: 'tenant', tenantId: match[2]! } : { kind: 'provider', providerId: match[2]! };
}

function account(kind: 'tenant' | 'provider', id: string): AccountId {
  if (id === '') throw new LedgerError('EMPTY_ID', `a ${kind} account needs a non-empty id`);
  return `${kind}:${id}` as AccountId;
}

export type LedgerErrorCode =
  'EMPTY_ID' | 'UNBALANCED_POSTING' | 'INCONSISTENT_USAGE' | 'INCONSISTENT_GANG' | 'NEGATIVE_AMOUNT' | 'BAD_AMOUNT' | 'ALREADY_SETTLED';

/** A fact the ledger refuses; adapters map it to a status code or a dead letter. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';

  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An int64 decimal string (as on the wire) as a bigint; rejects anything else. */
export function baseUnits(value: string, field: string): bigint {
  if (!/^-?\d+$/.test(value)) throw new LedgerError('BAD_AMOUNT', `${field} must be an integer number of base units, got "${value}"`);
  return BigInt(value);
}
