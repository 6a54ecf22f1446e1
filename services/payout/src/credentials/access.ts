// Which accounts and statements a caller may read: pure rules over the caller and the account.
import { accountHolder } from '../domain/index.js';
import type { Caller } from '@switchyard/access';

export type Access = 'allowed' | 'denied' | 'unknown-account';

/** `providerOperator`: the operator that runs the account's provider, if any (learned from JobPlaced). */
export function mayReadAccount(caller: Caller, accountId: string, providerOperator: string | undefined): Access {
  const holder = accountHolder(accountId);
  if (holder === undefined) return 'unknown-account';
  if (caller.kind === 'admin') return 'allowed';
  switch (holder.kind) {
    case 'tenant':
      return caller.kind === 'tenant' && caller.tenantId === holder.tenantId ? 'allowed' : 'denied';
    case 'provider':
      return caller.kind === 'operator' && providerOperator !== undefined && providerOperator === caller.operatorId ? 'allowed' : 'denied';
    case 'protocol':
      return 'denied';
  }
}
