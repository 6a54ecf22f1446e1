// Who a key belongs to: a tenant (tenants file), an operator (operators file) or an admin (hashes
// from configuration). One directory for every service that authorises by API key.
import { readOperatorsFile, readTenantsFile, CredentialFileError, type OperatorEntry, type TenantEntry } from './credential-files.js';
import { sha256Hex } from './secrets.js';

export type Caller =
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'operator'; readonly operatorId: string }
  | { readonly kind: 'admin' };

export interface CallerSources {
  readonly tenantsFile?: string | undefined;
  readonly operatorsFile?: string | undefined;
  /** SHA-256 hashes of admin keys. */
  readonly adminKeyHashes?: readonly string[];
}

export class CallerDirectory {
  private constructor(
    private readonly byKeyHash: ReadonlyMap<string, Caller>,
    private readonly tenantEntries: ReadonlyMap<string, TenantEntry>,
    private readonly operatorIds: ReadonlySet<string>,
  ) {}

  static fromFiles(sources: CallerSources): CallerDirectory {
    return CallerDirectory.of(
      sources.tenantsFile ? readTenantsFile(sources.tenantsFile) : [],
      sources.operatorsFile ? readOperatorsFile(sources.operatorsFile) : [],
      sources.adminKeyHashes ?? [],
    );
  }

  static of(tenants: readonly TenantEntry[], operators: readonly OperatorEntry[], adminKeyHashes: readonly string[] = []): CallerDirectory {
    const byHash = new Map<string, Caller>();
    const add = (hash: string, caller: Caller, where: string) => {
      if (byHash.has(hash)) throw new CredentialFileError(`${where}: an API key hash is listed twice`);
      byHash.set(hash, caller);
    };
    for (const t of tenants) for (const h of t.apiKeySha256) add(h, { kind: 'tenant', tenantId: t.id }, `tenant ${t.id}`);
    for (const o of operators)
      for (const h of o.apiKeySha256) add(h, { kind: 'operator', operatorId: o.operatorId }, `operator ${o.operatorId}`);
    for (const h of adminKeyHashes) add(h, { kind: 'admin' }, 'admin keys');
    return new CallerDirectory(byHash, new Map(tenants.map((t) => [t.id, t])), new Set(operators.map((o) => o.operatorId)));
  }

  /** The caller an API key belongs to, or undefined for an unknown key. */
  callerOf(apiKey: string): Caller | undefined {
    return this.byKeyHash.get(sha256Hex(apiKey));
  }

  /** The operator an API key belongs to, or undefined. */
  operatorOf(apiKey: string): string | undefined {
    const caller = this.callerOf(apiKey);
    return caller?.kind === 'operator' ? caller.operatorId : undefined;
  }

  /** Whether the operator is listed (a client certificate may name it). */
  knowsOperator(operatorId: string): boolean {
    return this.operatorIds.has(operatorId);
  }

  tenant(tenantId: string): TenantEntry | undefined {
    return this.tenantEntries.get(tenantId);
  }

  /** The tenant's spending cap per epoch, undefined when it has none. */
  spendingCapOf(tenantId: string): bigint | undefined {
    return this.tenantEntries.get(tenantId)?.spendingCapBaseUnits;
  }
}
