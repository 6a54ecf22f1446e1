// The service's DataSource: its own schema (search_path), its own migrations, never synchronize.
import { eventRuntimeMigrations, openServiceDatabase } from '@switchyard/event-runtime';
import type { DataSource } from 'typeorm';
import { AddFetchedBytes1765000000001 } from './add-fetched-bytes.migration.js';
import { CreateMeteringTables1764200000000 } from './create-metering-tables.migration.js';

export const meteringMigrations = [...eventRuntimeMigrations, CreateMeteringTables1764200000000, AddFetchedBytes1765000000001];

/** Creates the schema if needed, connects with it as search_path and runs pending migrations. */
export function openMeteringDatabase(databaseUrl: string, schema: string): Promise<DataSource> {
  return openServiceDatabase(
    { databaseUrl, databaseSchema: schema },
    { migrations: meteringMigrations, migrationsTableName: 'metering_migrations', poolSize: 6 },
  );
}
