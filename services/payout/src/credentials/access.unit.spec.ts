import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { mayReadAccount } from './access.js';
import { CallerDirectory } from './callers.js';

const sha = (key: string): string => createHash('sha256').update(key).digest('hex');

describe('who may read which account', () => {
  const admin = { kind: 'admin' } as const;
  const acme = { kind: 'tenant', tenantId: 'acme' } as const;
  const north = { kind: 'operator', operatorId: 'op-north' } as const;

  it('admin reads any account in the chart', () => {
    for (const account of ['tenant:acme', 'provider:p-1', 'protocol:fees', 'payouts:paid']) expect(mayReadAccount(admin, account, undefined)).toBe('allowed');
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

describe('CallerDirectory', () => {
  const directory = CallerDirectory.fromDocuments(
    sha('admin-key'),
    { tenants: [{ id: 'acme', plan: 'enterprise', spendingCapBaseUnits: '5000', apiKeySha256: [sha('acme-key')] }, { id: 'globex', plan: 'team', apiKeySha256: [sha('globex-key')] }] },
    { operators: [{ operatorId: 'op-north', apiKeySha256: sha('north-key') }] },
  );

  it('knows the admin, tenants and operators by their key hashes', () => {
    expect(directory.callerOf('admin-key')).toEqual({ kind: 'admin' });
    expect(directory.callerOf('acme-key')).toEqual({ kind: 'tenant', tenantId: 'acme' });
    expect(directory.callerOf('north-key')).toEqual({ kind: 'operator', operatorId: 'op-north' });
    expect(directory.callerOf('guess')).toBeUndefined();
  });

  it('reads spending caps from the tenants file', () => {
    expect(directory.spendingCapOf('acme')).toBe(5_000n);
    expect(directory.spendingCapOf('globex')).toBeUndefined();
  });

  it('refuses a key that is not a SHA-256 hash', () => {
    expect(() => CallerDirectory.fromDocuments(undefined, { tenants: [{ id: 'acme', apiKeySha256: ['plaintext'] }] }, { operators: [] })).toThrow(/SHA-256/);
  });
});
