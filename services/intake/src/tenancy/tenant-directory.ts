// Tenants and their hashed API keys in the intake schema: replaced from the tenants file at
// start, looked up by key hash on every call.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tenant } from '../domain/submit-job.js';
import type { TenantRecord } from './tenants-file.js';

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

@Injectable()
export class TenantDirectory {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Makes the tables say exactly what `tenants` says: keys not listed any more stop working.
   * Tenants are kept (their jobs still reference them) but lose their keys.
   */
  async replaceAll(tenants: readonly TenantRecord[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Two instances starting at once must not interleave their delete and insert.
      await manager.query('LOCK TABLE tenant_api_keys IN EXCLUSIVE MODE');
      for (const tenant of tenants) {
        await manager.query(
          `INSERT INTO tenants (id, plan, spending_cap_base_units) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET plan = EXCLUDED.plan, spending_cap_base_units = EXCLUDED.spending_cap_base_units, updated_at = now()`,
          [tenant.id, tenant.plan, tenant.spendingCapBaseUnits ?? null],
        );
      }
      await manager.query('DELETE FROM tenant_api_keys');
      const rows = tenants.flatMap((tenant) => tenant.apiKeySha256.map((hash) => [hash, tenant.id]));
      if (rows.length > 0) {
        const values = rows.map((_, i) => `($${i * 2 + 1}, $${i * 2 + 2})`).join(', ');
        await manager.query(`INSERT INTO tenant_api_keys (key_sha256, tenant_id) VALUES ${values}`, rows.flat());
      }
    });
  }

  async findByApiKey(apiKey: string): Promise<Tenant | undefined> {
    const rows: { id: string; plan: string }[] = await this.dataSource.query(
      'SELECT t.id, t.plan FROM tenant_api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_sha256 = $1',
      [hashApiKey(apiKey)],
    );
    return rows[0];
  }
}
