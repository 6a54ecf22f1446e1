// The tenants file: who may call intake, on which plan, with which API keys (as SHA-256 hashes).
//
// { "tenants": [ { "id": "acme", "plan": "enterprise", "spendingCapBaseUnits": "500000000",
//                  "apiKeySha256": ["9f86d08...64 hex chars"] } ] }
import { readFile } from 'node:fs/promises';

export interface TenantRecord {
  readonly id: string;
  readonly plan: string;
  /** Placeholder until spending caps are enforced; undefined means no cap. */
  readonly spendingCapBaseUnits: string | undefined;
  readonly apiKeySha256: readonly string[];
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function readTenantsFile(path: string): Promise<TenantRecord[]> {
  const text = await readFile(path, 'utf8');
  try {
    return parseTenants(JSON.parse(text));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function parseTenants(document: unknown): TenantRecord[] {
  const list = (document as { tenants?: unknown } | null)?.tenants;
  if (!Array.isArray(list)) throw new Error('expected {"tenants": [...]}');
  const seenKeys = new Set<string>();
  const seenIds = new Set<string>();
  return list.map((entry: Record<string, unknown>, i) => {
    const where = `tenants[${i}]`;
    const id = entry?.id;
    if (typeof id !== 'string' || !TENANT_ID.test(id)) throw new Error(`${where}.id must be a lowercase id`);
    if (seenIds.has(id)) throw new Error(`${where}.id "${id}" is listed twice`);
    seenIds.add(id);
    if (typeof entry.plan !== 'string' || entry.plan === '') throw new Error(`${where}.plan is required`);
    const cap = entry.spendingCapBaseUnits;
    if (cap !== undefined && (typeof cap !== 'string' || !/^\d+$/.test(cap))) {
      throw new Error(`${where}.spendingCapBaseUnits must be a decimal string of base units`);
    }
    const hashes = entry.apiKeySha256;
    if (!Array.isArray(hashes) || hashes.some((h) => typeof h !== 'string' || !HEX_SHA256.test(h))) {
      throw new Error(`${where}.apiKeySha256 must be a list of lowercase hex SHA-256 hashes`);
    }
    for (const hash of hashes as string[]) {
      if (seenKeys.has(hash)) throw new Error(`${where}: an API key hash is listed twice`);
      seenKeys.add(hash);
    }
    return { id, plan: entry.plan, spendingCapBaseUnits: cap as string | undefined, apiKeySha256: hashes as string[] };
  });
}
