import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { CallerDirectory, sha256Hex } from './caller-directory.js';

const dir = mkdtempSync(join(tmpdir(), 'metering-callers-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CallerDirectory', () => {
  const tenantsFile = file('tenants.json', { tenants: [{ id: 'acme', plan: 'enterprise', apiKeySha256: [sha256Hex('k-acme')] }] });
  const operatorsFile = file('operators.json', { operators: [{ operatorId: 'op-1', apiKeySha256: sha256Hex('k-op') }] });

  it("knows tenants from intake's tenants file, operators from placement's, admins by hash", () => {
    const callers = CallerDirectory.fromSources({ tenantsFile, operatorsFile, adminKeyHashes: [sha256Hex('k-admin')] });
    expect(callers.callerOf('k-acme')).toEqual({ kind: 'tenant', tenantId: 'acme' });
    expect(callers.callerOf('k-op')).toEqual({ kind: 'operator', operatorId: 'op-1' });
    expect(callers.callerOf('k-admin')).toEqual({ kind: 'admin' });
    expect(callers.callerOf('other')).toBeUndefined();
  });

  it('rejects malformed files and a key hash listed for two callers, naming the file and entry', () => {
    const bad = file('bad.json', { tenants: [{ id: 'acme', apiKeySha256: ['XYZ'] }] });
    expect(() => CallerDirectory.fromSources({ tenantsFile: bad })).toThrow(`${bad}: tenants[0].apiKeySha256 must be lowercase hex SHA-256 hashes`);
    expect(() => CallerDirectory.fromSources({ tenantsFile, adminKeyHashes: [sha256Hex('k-acme')] })).toThrow(/listed twice/);
    expect(() => CallerDirectory.fromSources({ operatorsFile: file('x.json', { tenants: [] }) })).toThrow(/expected \{"operators": \[\.\.\.\]\}/);
  });
});
