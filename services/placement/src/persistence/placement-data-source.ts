// The service's DataSource: its own schema (search_path), its own migrations, never synchronize.
import { eventRuntimeMigrations, openServiceDatabase } from '@switchyard/event-runtime';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { AddJobTiming1764900000001 } from './add-job-timing.migration.js';
import { AddProviderData1765000000000 } from './add-provider-data.migration.js';
import { AddGangMembers1765200000000 } from './add-gang-members.migration.js';
import { AddProviderMisclaims1765100000001 } from './add-provider-misclaims.migration.js';
import { AddSchedulerLease1764900000000 } from './add-scheduler-lease.migration.js';
import { CreatePlacementTables1764100000000 } from './create-placement-tables.migration.js';

export const placementMigrations = [
  ...eventRuntimeMigrations,
  CreatePlacementTables1764100000000,
  AddSchedulerLease1764900000000,
  AddJobTiming1764900000001,
  AddProviderData1765000000000,
  AddProviderMisclaims1765100000001,
  AddGangMembers1765200000000,
];

/** Creates the schema if needed, connects with it as search_path and runs pending migrations. */
export function openPlacementDatabase(databaseUrl: string, schema: string): Promise<DataSource> {
  return openServiceDatabase(
    { databaseUrl, databaseSchema: schema },
    { migrations: placementMigrations, migrationsTableName: 'placement_migrations', poolSize: 8 },
  );
}

/** Connection settings for a plain pg client on the same schema (LISTEN sessions). */
export function schemaConnection(databaseUrl: string, schema: string): pg.ClientConfig {
  return { connectionString: databaseUrl, options: `-c search_path="${schema}"` };
}
