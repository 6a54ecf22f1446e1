import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  apiKeyOf,
  bearerSecret,
  CallerDirectory,
  newProviderToken,
  parseOperators,
  parseTenants,
  readTenantsFile,
  sha256Hex,
} from '../src/index.js';

const hash = sha256Hex('sk_test_key');
const dir = mkdtempSync(join(tmpdir(), 'access-'));
const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const metadata = (entries: Record<string, string[]>) => ({ get: (key: string) => entries[key] ?? [] });

describe('the tenants file', () => {
  it('reads tenants with plan, optional cap (base units) and key hashes', () => {
    expect(
      parseTenants({
        tenants: [
          { id: 'acme', plan: 'enterprise', spendingCapBaseUnits: '100', apiKeySha256: [hash] },
          { id: 'globex', plan: 'startup', apiKeySha256: [] },
        ],
      }),
    ).toEqual([
      { id: 'acme', plan: 'enterprise', spendingCapBaseUnits: 100n, apiKeySha256: [hash] },
      { id: 'globex', plan: 'startup', spendingCapBaseUnits: undefined, apiKeySha256: [] },
    ]);
  });

  it.each([
    [{}, 'tenants.json: expected {"tenants": [...]}'],
    [{ tenants: [{ id: 'Acme Corp', plan: 'x', apiKeySha256: [] }] }, 'tenants.json: tenants[0].id must be a lowercase id'],
    [{ tenants: [{ id: 'acme', plan: '', apiKeySha256: [] }] }, 'tenants.json: tenants[0].plan is required'],
    [{ tenants: [{ id: 'acme', apiKeySha256: [] }] }, 'tenants.json: tenants[0].plan is required'],
    [
      { tenants: [{ id: 'acme', plan: 'x', apiKeySha256: ['sk_plaintext_key'] }] },
      'tenants.json: tenants[0].apiKeySha256 must be lowercase hex SHA-256 hashes',
    ],
    [
      { tenants: [{ id: 'acme', plan: 'x', spendingCapBaseUnits: 10, apiKeySha256: [] }] },
      'tenants.json: tenants[0].spendingCapBaseUnits must be a decimal string of base units',
    ],
    [
      {
        tenants: [
          { id: 'a', plan: 'x', apiKeySha256: [hash] },
          { id: 'b', plan: 'x', apiKeySha256: [hash] },
        ],
      },
      'tenants.json: tenants[1]: an API key hash is listed twice',
    ],
    [
      {
        tenants: [
          { id: 'a', plan: 'x', apiKeySha256: [] },
          { id: 'a', plan: 'y', apiKeySha256: [] },
        ],
      },
      'tenants.json: tenants[1].id "a" is listed twice',
    ],
  ])('refuses %j, naming the file and the field', (document, message) => {
    expect(() => parseTenants(document, 'tenants.json')).toThrow(message);
  });

  it('reads the development tenants `pnpm start` passes to the services', () => {
    const tenants = readTenantsFile(fileURLToPath(new URL('../../../deploy/dev/tenants.json', import.meta.url)));
    expect(tenants.find((t) => t.id === 'demo')?.apiKeySha256).toEqual([sha256Hex('dev-tenant-demo-key')]);
  });

  it('names the file when it is not JSON', () => {
    const path = file('broken.json', '{ "tenants": [');
    expect(() => readTenantsFile(path)).toThrow(new RegExp(`^${path}: `));
  });
});

describe('the operators file', () => {
  it('takes one hash or several per operator (key rotation)', () => {
    expect(
      parseOperators({
        operators: [
          { operatorId: 'op-north', apiKeySha256: hash },
          { operatorId: 'op-south', apiKeySha256: [sha256Hex('a'), sha256Hex('b')] },
        ],
      }),
    ).toEqual([
      { operatorId: 'op-north', apiKeySha256: [hash] },
      { operatorId: 'op-south', apiKeySha256: [sha256Hex('a'), sha256Hex('b')] },
    ]);
  });

  it.each([
    [{ tenants: [] }, 'ops.json: expected {"operators": [...]}'],
    [{ operators: [{ operatorId: '', apiKeySha256: hash }] }, 'ops.json: operators[0].operatorId must be a non-empty string'],
    [
      { operators: [{ operatorId: 'op', apiKeySha256: 'plain-key' }] },
      'ops.json: operators[0].apiKeySha256 must be lowercase hex SHA-256 hashes',
    ],
    [
      {
        operators: [
          { operatorId: 'op', apiKeySha256: hash },
          { operatorId: 'op', apiKeySha256: [] },
        ],
      },
      'ops.json: operators[1].operatorId "op" is listed twice',
    ],
  ])('refuses %j', (document, message) => {
    expect(() => parseOperators(document, 'ops.json')).toThrow(message);
  });
});

describe('CallerDirectory', () => {
  const tenantsFile = file('tenants.json', {
    tenants: [{ id: 'acme', plan: 'enterprise', spendingCapBaseUnits: '500', apiKeySha256: [sha256Hex('k-acme')] }],
  });
  const operatorsFile = file('operators.json', { operators: [{ operatorId: 'op-1', apiKeySha256: [sha256Hex('old'), sha256Hex('new')] }] });
  const callers = CallerDirectory.fromFiles({ tenantsFile, operatorsFile, adminKeyHashes: [sha256Hex('k-admin')] });

  it('knows tenants, operators (every listed key) and admins, and nothing else', () => {
    expect(callers.callerOf('k-acme')).toEqual({ kind: 'tenant', tenantId: 'acme' });
    expect(callers.callerOf('old')).toEqual({ kind: 'operator', operatorId: 'op-1' });
    expect(callers.operatorOf('new')).toBe('op-1');
    expect(callers.operatorOf('k-acme')).toBeUndefined();
    expect(callers.callerOf('k-admin')).toEqual({ kind: 'admin' });
    expect(callers.callerOf('other')).toBeUndefined();
    expect(callers.knowsOperator('op-1')).toBe(true);
    expect(callers.knowsOperator('op-2')).toBe(false);
    expect(callers.spendingCapOf('acme')).toBe(500n);
    expect(callers.spendingCapOf('globex')).toBeUndefined();
  });

  it('refuses a key hash listed for two callers', () => {
    expect(() => CallerDirectory.fromFiles({ tenantsFile, adminKeyHashes: [sha256Hex('k-acme')] })).toThrow(/listed twice/);
  });
});

describe('secrets on a call', () => {
  it('reads the secret of an authorization: Bearer value, else x-api-key', () => {
    expect(bearerSecret(['Bearer abc'])).toBe('abc');
    expect(bearerSecret(['bearer  abc '])).toBe('abc');
    expect(bearerSecret(['Basic abc'])).toBeUndefined();
    expect(apiKeyOf(metadata({ authorization: ['Bearer k1'], 'x-api-key': ['k2'] }))).toBe('k1');
    expect(apiKeyOf(metadata({ 'x-api-key': [' k2 '] }))).toBe('k2');
    expect(apiKeyOf(metadata({}))).toBeUndefined();
    expect(apiKeyOf(undefined)).toBeUndefined();
  });

  it('issues distinct provider tokens and hashes as lowercase hex SHA-256', () => {
    const [a, b] = [newProviderToken(), newProviderToken()];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^spt_[A-Za-z0-9_-]{43}$/);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
