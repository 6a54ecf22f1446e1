// The payout service's DataSource: its own schema (search_path), its own migrations, never synchronize.
import { eventRuntimeMigrations } from '@switchyard/event-runtime';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { CreateLedgerTables1764200000000 } from './create-ledger-tables.migration.js';

export const payoutMigrations = [...eventRuntimeMigrations, CreateLedgerTables1764200000000];

/** Creates the schema if needed, connects with it as search_path and runs pending migrations. */
export async function openPayoutDatabase(databaseUrl: string, schema: string): Promise<DataSource> {
  // Two instances starting together: the first migrates, the second waits on this lock.
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`payout-migrations:${schema}`]);
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const dataSource = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      schema,
      extra: { options: `-c search_path="${schema}"` },
      migrations: payoutMigrations,
      migrationsTableName: 'payout_migrations',
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
