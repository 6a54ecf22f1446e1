// Who may read which ledger account. Callers present `authorization: Bearer <key>` (or
// `x-api-key`): the admin key from configuration, a tenant key from the tenants file intake reads,
// or an operator key from the operators file placement reads. Keys are stored as SHA-256 hashes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type Caller =
  | { readonly kind: 'admin' }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'operator'; readonly operatorId: string };

export interface TenantTerms {
  readonly tenantId: string;
  readonly spendingCapBaseUnits: bigint | undefined;
}

export class CallerDirectory {
  private constructor(
    private readonly adminKeySha256: string | undefined,
    private readonly byKeyHash: ReadonlyMap<string, Caller>,
    private readonly caps: ReadonlyMap<string, bigint>,
  ) {}

  static fromDocuments(adminKeySha256: string | undefined, tenants: unknown, operators: unknown): CallerDirectory {
    const byHash = new Map<string, Caller>();
    const caps = new Map<string, bigint>();
    for (const [i, entry] of listOf(tenants, 'tenants').entries()) {
      const tenantId = stringField(entry, 'id', `tenants[${i}]`);
      for (const hash of hashes(entry, `tenants[${i}]`)) byHash.set(hash, { kind: 'tenant', tenantId });
      const cap = (entry as { spendingCapBaseUnits?: unknown }).spendingCapBaseUnits;
      if (typeof cap === 'string' && /^\d+$/.test(cap)) caps.set(tenantId, BigInt(cap));
    }
    for (const [i, entry] of listOf(operators, 'operators').entries()) {
      const operatorId = stringField(entry, 'operatorId', `operators[${i}]`);
      for (const hash of hashes(entry, `operators[${i}]`)) byHash.set(hash, { kind: 'operator', operatorId });
    }
    return new CallerDirectory(adminKeySha256, byHash, caps);
  }

  static fromFiles(adminKeySha256: string | undefined, tenantsFile: string | undefined, operatorsFile: string | undefined): CallerDirectory {
    const read = (path: string | undefined, key: string): unknown => (path === undefined ? { [key]: [] } : JSON.parse(readFileSync(path, 'utf8')));
    return CallerDirectory.fromDocuments(adminKeySha256, read(tenantsFile, 'tenants'), read(operatorsFile, 'operators'));
  }

  /** The caller a key belongs to, or undefined for an unknown key. */
  callerOf(apiKey: string): Caller | undefined {
    const hash = sha256Hex(apiKey);
    if (this.adminKeySha256 !== undefined && hash === this.adminKeySha256) return { kind: 'admin' };
    return this.byKeyHash.get(hash);
  }

  /** The tenant's spending cap per epoch, undefined when it has none. */
  spendingCapOf(tenantId: string): bigint | undefined {
    return this.caps.get(tenantId);
  }
}

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function listOf(document: unknown, key: string): unknown[] {
  const list = (document as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) throw new Error(`expected {"${key}": [...]}`);
  return list;
}

function stringField(entry: unknown, name: string, where: string): string {
  const value = (entry as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' || value === '') throw new Error(`${where}.${name} must be a non-empty string`);
  return value;
}

function hashes(entry: unknown, where: string): string[] {
  const raw = (entry as { apiKeySha256?: unknown }).apiKeySha256;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.some((hash) => typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))) throw new Error(`${where}.apiKeySha256 must be lowercase hex SHA-256 digests`);
  return list as string[];
}
