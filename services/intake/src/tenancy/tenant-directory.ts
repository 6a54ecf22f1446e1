// Tenants and their hashed API keys in the intake schema: replaced from the tenants file at
// start. Every call is authenticated against an in-memory copy (refreshed from the tables every
// REFRESH_MS, and at once on a miss), so authentication costs no query on the hot path.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tenant } from '../domain/submit-job.js';
import { sha256Hex, type TenantEntry } from '@switchyard/access';

const REFRESH_MS = 30_000;

interface Known {
  readonly byKeyHash: ReadonlyMap<string, Tenant>;
  readonly caps: ReadonlyMap<string, bigint>;
  readonly loadedAt: number;
}

@Injectable()
export class TenantDirectory {
  private known: Known | undefined;
  private loading: Promise<Known> | undefined;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Makes the tables say exactly what `tenants` says: keys not listed any more stop working.
   * Tenants are kept (their jobs still reference them) but lose their keys.
   */
  async replaceAll(tenants: readonly TenantEntry[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Two instances starting at once must not interleave their delete and insert.
      await manager.query('LOCK TABLE tenant_api_keys IN EXCLUSIVE MODE');
      for (const tenant of tenants) {
        await manager.query(
          `INSERT INTO tenants (id, plan, spending_cap_base_units) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET plan = EXCLUDED.plan, spending_cap_base_units = EXCLUDED.spending_cap_base_units, updated_at = now()`,
          [tenant.id, tenant.plan, tenant.spendingCapBaseUnits?.toString() ?? null],
        );
      }
      await manager.query('DELETE FROM tenant_api_keys');
      const rows = tenants.flatMap((tenant) => tenant.apiKeySha256.map((hash) => [hash, tenant.id]));
      if (rows.length > 0) {
        const values = rows.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2})`).join(', ');
        await manager.query(`INSERT INTO tenant_api_keys (key_sha256, tenant_id) VALUES ${values}`, rows.flat());
      }
    });
    await this.reload();
  }

  async findByApiKey(apiKey: string): Promise<Tenant | undefined> {
    const hash = sha256Hex(apiKey);
    let known = await this.current();
    // A key added by another instance's start since the last load: look again before refusing.
    if (!known.byKeyHash.has(hash) && Date.now() - known.loadedAt > 1_000) known = await this.reload();
    return known.byKeyHash.get(hash);
  }

  /** The tenant's spending cap per epoch, in base units, if it has one. */
  async capOf(tenantId: string): Promise<bigint | undefined> {
    return (await this.current()).caps.get(tenantId);
  }

  private async current(): Promise<Known> {
    const known = this.known;
    if (known !== undefined && Date.now() - known.loadedAt < REFRESH_MS) return known;
    return known === undefined ? this.reload() : (void this.reload().catch(() => undefined), known);
  }

  private reload(): Promise<Known> {
    this.loading ??= (async () => {
      try {
        const rows: { key_sha256: string; id: string; plan: string; cap: string | null }[] = await this.dataSource.query(
          `SELECT k.key_sha256, t.id, t.plan, t.spending_cap_base_units::text AS cap
             FROM tenants t LEFT JOIN tenant_api_keys k ON k.tenant_id = t.id`,
        );
        const byKeyHash = new Map<string, Tenant>();
        const caps = new Map<string, bigint>();
        for (const row of rows) {
          if (row.key_sha256 !== null) byKeyHash.set(row.key_sha256, { id: row.id, plan: row.plan });
          if (row.cap !== null) caps.set(row.id, BigInt(row.cap));
        }
        this.known = { byKeyHash, caps, loadedAt: Date.now() };
        return this.known;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
