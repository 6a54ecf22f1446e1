import { describe, expect, it } from '@jest/globals';
import { mayReadAccount } from './access.js';

describe('who may read which account', () => {
  const admin = { kind: 'admin' } as const;
  const acme = { kind: 'tenant', tenantId: 'acme' } as const;
  const north = { kind: 'operator', operatorId: 'op-north' } as const;

  it('admin reads any account in the chart', () => {
    for (const account of ['tenant:acme', 'provider:p-1', 'protocol:fees', 'payouts:paid'])
      expect(mayReadAccount(admin, account, undefined)).toBe('allowed');
  });

  it('a tenant reads its own account only', () => {
    expect(mayReadAccount(acme, 'tenant:acme', undefined)).toBe('allowed');
    expect(mayReadAccount(acme, 'tenant:globex', undefined)).toBe('denied');
    expect(mayReadAccount(acme, 'protocol:fees', undefined)).toBe('denied');
  });

  it('an operator reads the accounts of providers it runs', () => {
    expect(mayReadAccount(north, 'provider:p-1', 'op-north')).toBe('allowed');
    expect(mayReadAccount(north, 'provider:p-2', 'op-south')).toBe('denied');
    expect(mayReadAccount(north, 'provider:p-3', undefined)).toBe('denied');
  });

  it('an id outside the chart of accounts is unknown', () => {
    expect(mayReadAccount(admin, 'bank:acme', undefined)).toBe('unknown-account');
    expect(mayReadAccount(admin, 'tenant:', undefined)).toBe('unknown-account');
  });
});
