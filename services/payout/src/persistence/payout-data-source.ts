// The payout service's DataSource: its own schema (search_path), its own migrations, never synchronize.
import { eventRuntimeMigrations, openServiceDatabase } from '@switchyard/event-runtime';
import { AddRunningTotals1764900000002 } from './add-running-totals.migration.js';
import type { DataSource } from 'typeorm';
import { AddGangShares1765000000003 } from './add-gang-shares.migration.js';
import { AddJobPlacedAt1764200000001 } from './add-job-placed-at.migration.js';
import { CreateLedgerTables1764200000000 } from './create-ledger-tables.migration.js';

export const payoutMigrations = [
  ...eventRuntimeMigrations,
  CreateLedgerTables1764200000000,
  AddJobPlacedAt1764200000001,
  AddRunningTotals1764900000002,
  AddGangShares1765000000003,
];

/** Creates the schema if needed, connects with it as search_path and runs pending migrations. */
export function openPayoutDatabase(databaseUrl: string, schema: string): Promise<DataSource> {
  return openServiceDatabase(
    { databaseUrl, databaseSchema: schema },
    { migrations: payoutMigrations, migrationsTableName: 'payout_migrations', poolSize: 6 },
  );
}
