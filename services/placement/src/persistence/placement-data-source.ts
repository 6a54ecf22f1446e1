// The service's DataSource: its own schema (search_path), its own migrations, never synchronize.
import { eventRuntimeMigrations } from '@switchyard/event-runtime';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { CreatePlacementTables1764100000000 } from './create-placement-tables.migration.js';

export const placementMigrations = [...eventRuntimeMigrations, CreatePlacementTables1764100000000];

/** Creates the schema if needed, connects with it as search_path and runs pending migrations. */
export async function openPlacementDatabase(databaseUrl: string, schema: string): Promise<DataSource> {
  // Two instances starting together: the first creates and migrates, the second waits on this
  // session lock and then finds nothing pending.
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`placement-migrations:${schema}`]);
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    return await migrated(databaseUrl, schema);
  } finally {
    await admin.end();
  }
}

async function migrated(databaseUrl: string, schema: string): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    schema,
    extra: { options: `-c search_path="${schema}"` },
    migrations: placementMigrations,
    migrationsTableName: 'placement_migrations',
    synchronize: false,
    poolSize: 8,
    logging: false,
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  return dataSource;
}

/** Connection settings for a plain pg client on the same schema (LISTEN sessions). */
export function schemaConnection(databaseUrl: string, schema: string): pg.ClientConfig {
  return { connectionString: databaseUrl, options: `-c search_path="${schema}"` };
}
