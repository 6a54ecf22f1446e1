import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { hashApiKey } from './tenant-directory.js';
import { parseTenants, readTenantsFile } from './tenants-file.js';

const hash = hashApiKey('sk_test_key');

describe('parseTenants', () => {
  it('reads tenants with plan, optional cap and key hashes', () => {
    expect(parseTenants({ tenants: [{ id: 'acme', plan: 'enterprise', spendingCapBaseUnits: '100', apiKeySha256: [hash] }, { id: 'globex', plan: 'startup', apiKeySha256: [] }] })).toEqual([
      { id: 'acme', plan: 'enterprise', spendingCapBaseUnits: '100', apiKeySha256: [hash] },
      { id: 'globex', plan: 'startup', spendingCapBaseUnits: undefined, apiKeySha256: [] },
    ]);
  });

  it.each([
    [{}, 'expected {"tenants": [...]}'],
    [{ tenants: [{ id: 'Acme Corp', plan: 'x', apiKeySha256: [] }] }, 'tenants[0].id must be a lowercase id'],
    [{ tenants: [{ id: 'acme', plan: '', apiKeySha256: [] }] }, 'tenants[0].plan is required'],
    [{ tenants: [{ id: 'acme', plan: 'x', apiKeySha256: ['sk_plaintext_key'] }] }, 'tenants[0].apiKeySha256 must be a list of lowercase hex SHA-256 hashes'],
    [{ tenants: [{ id: 'acme', plan: 'x', spendingCapBaseUnits: 10, apiKeySha256: [] }] }, 'tenants[0].spendingCapBaseUnits must be a decimal string of base units'],
    [{ tenants: [{ id: 'a', plan: 'x', apiKeySha256: [hash] }, { id: 'b', plan: 'x', apiKeySha256: [hash] }] }, 'tenants[1]: an API key hash is listed twice'],
    [{ tenants: [{ id: 'a', plan: 'x', apiKeySha256: [] }, { id: 'a', plan: 'y', apiKeySha256: [] }] }, 'tenants[1].id "a" is listed twice'],
  ])('rejects %j', (document, message) => {
    expect(() => parseTenants(document)).toThrow(message);
  });

  it('reads the development tenants `pnpm start` passes to intake', async () => {
    const devFile = fileURLToPath(new URL('../../../../deploy/dev/tenants.json', import.meta.url));
    const tenants = await readTenantsFile(devFile);
    expect(tenants.map((t) => t.id)).toContain('demo');
    expect(tenants.find((t) => t.id === 'demo')?.apiKeySha256).toEqual([hashApiKey('dev-tenant-demo-key')]);
  });

  it('hashes keys as lowercase hex SHA-256', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
