// The service's DataSource: its own schema (search_path), its own migrations, never synchronize.
import { eventRuntimeMigrations } from '@switchyard/event-runtime';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { CreateMeteringTables1764200000000 } from './create-metering-tables.migration.js';

export const meteringMigrations = [...eventRuntimeMigrations, CreateMeteringTables1764200000000];

/** Creates the schema if needed, connects with it as search_path and runs pending migrations. */
export async function openMeteringDatabase(databaseUrl: string, schema: string): Promise<DataSource> {
  // Two instances starting together: the first migrates, the second waits on this lock and then
  // finds nothing pending.
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`metering-migrations:${schema}`]);
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const dataSource = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      schema,
      extra: { options: `-c search_path="${schema}"` },
      migrations: meteringMigrations,
      migrationsTableName: 'metering_migrations',
      synchronize: false,
      poolSize: 6,
      logging: false,
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
    return dataSource;
  } finally {
    await admin.end();
  }
}
