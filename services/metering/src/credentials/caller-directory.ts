// Who may read usage, by API key (stored as SHA-256 hashes only):
// - tenants, from the tenants file intake reads (SWITCHYARD_TENANTS_FILE):
//     { "tenants": [ { "id": "acme", "plan": "...", "apiKeySha256": ["<hex>"] } ] }
// - operators, from the file placement reads (OPERATOR_CREDENTIALS_FILE):
//     { "operators": [ { "operatorId": "op-north", "apiKeySha256": ["<hex>"] } ] }
// - admins, from ADMIN_API_KEY_SHA256 (comma-separated hashes).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type Caller = { readonly kind: 'tenant'; readonly tenantId: string } | { readonly kind: 'operator'; readonly operatorId: string } | { readonly kind: 'admin' };

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export const sha256Hex = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

export class CallerDirectory {
  private constructor(private readonly byKeyHash: ReadonlyMap<string, Caller>) {}

  static fromSources(sources: { tenantsFile?: string | undefined; operatorsFile?: string | undefined; adminKeyHashes?: readonly string[] }): CallerDirectory {
    const byHash = new Map<string, Caller>();
    const add = (hash: string, caller: Caller, where: string) => {
      if (byHash.has(hash)) throw new Error(`${where}: an API key hash is listed twice`);
      byHash.set(hash, caller);
    };
    if (sources.tenantsFile) {
      for (const [hash, tenantId, where] of entries(readJson(sources.tenantsFile), 'tenants', 'id', sources.tenantsFile)) add(hash, { kind: 'tenant', tenantId }, where);
    }
    if (sources.operatorsFile) {
      for (const [hash, operatorId, where] of entries(readJson(sources.operatorsFile), 'operators', 'operatorId', sources.operatorsFile)) {
        add(hash, { kind: 'operator', operatorId }, where);
      }
    }
    for (const hash of sources.adminKeyHashes ?? []) add(hash, { kind: 'admin' }, 'ADMIN_API_KEY_SHA256');
    return new CallerDirectory(byHash);
  }

  callerOf(apiKey: string): Caller | undefined {
    return this.byKeyHash.get(sha256Hex(apiKey));
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** [hash, id, where] for each key of each entry of `document[listName]`. */
function entries(document: unknown, listName: string, idField: string, source: string): [string, string, string][] {
  const list = (document as Record<string, unknown> | null)?.[listName];
  if (!Array.isArray(list)) throw new Error(`${source}: expected {"${listName}": [...]}`);
  return list.flatMap((entry: unknown, i) => {
    const where = `${source}: ${listName}[${i}]`;
    const record = (entry ?? {}) as Record<string, unknown>;
    const id = record[idField];
    if (typeof id !== 'string' || id === '') throw new Error(`${where}.${idField} must be a non-empty string`);
    const hashes: unknown[] = Array.isArray(record.apiKeySha256) ? record.apiKeySha256 : [record.apiKeySha256];
    return hashes.map((hash): [string, string, string] => {
      if (typeof hash !== 'string' || !HEX_SHA256.test(hash)) throw new Error(`${where}.apiKeySha256 must be lowercase hex SHA-256 hashes`);
      return [hash, id, where];
    });
  });
}
