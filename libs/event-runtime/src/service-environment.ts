// What every event-driven service reads from its environment, and the two connections it opens
// from it: its own PostgreSQL schema (migrated) and the event log (Kafka or PostgreSQL).
import { KafkaEventLog, PostgresEventLog, type EventLog } from '@switchyard/event-log';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';

export type EventLogSettings =
  | { readonly backend: 'kafka'; readonly brokers: readonly string[] }
  | { readonly backend: 'postgres'; readonly databaseUrl: string };

export interface ServiceEnvironment {
  readonly databaseUrl: string;
  /** The service's own schema: its tables, inbox, outbox and migrations table. */
  readonly databaseSchema: string;
  readonly eventLog: EventLogSettings;
  /** Prefix of physical topic names: `switchyard.` gives `switchyard.jobs`. */
  readonly topicPrefix: string;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * DATABASE_URL (required), DATABASE_SCHEMA (default: the service's name), EVENT_LOG_BACKEND
 * (`kafka` | `postgres`; default kafka when KAFKA_BROKERS is set), KAFKA_BROKERS,
 * EVENT_LOG_DATABASE_URL (PostgreSQL log; default DATABASE_URL), SWITCHYARD_TOPIC_PREFIX.
 */
export function serviceEnvironment(env: NodeJS.ProcessEnv, defaultSchema: string): ServiceEnvironment {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new ConfigurationError('DATABASE_URL is required');
  const databaseSchema = env.DATABASE_SCHEMA || defaultSchema;
  if (!SCHEMA_NAME.test(databaseSchema)) {
    throw new ConfigurationError(`DATABASE_SCHEMA must be a lowercase SQL identifier, not "${databaseSchema}"`);
  }
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  const backend = env.EVENT_LOG_BACKEND || (brokers.length > 0 ? 'kafka' : 'postgres');
  let eventLog: EventLogSettings;
  if (backend === 'kafka') {
    if (brokers.length === 0) throw new ConfigurationError('KAFKA_BROKERS is required with EVENT_LOG_BACKEND=kafka');
    eventLog = { backend, brokers };
  } else if (backend === 'postgres') {
    eventLog = { backend, databaseUrl: env.EVENT_LOG_DATABASE_URL || databaseUrl };
  } else {
    throw new ConfigurationError(`EVENT_LOG_BACKEND must be "kafka" or "postgres", not "${backend}"`);
  }
  return { databaseUrl, databaseSchema, eventLog, topicPrefix: env.SWITCHYARD_TOPIC_PREFIX ?? 'switchyard.' };
}

/** The event log the settings name; `pollIntervalMs` is the PostgreSQL log's fallback poll for consumers. */
export function openEventLog(settings: EventLogSettings, clientId: string, options: { pollIntervalMs?: number } = {}): EventLog {
  return settings.backend === 'kafka'
    ? new KafkaEventLog({ brokers: [...settings.brokers], clientId })
    : new PostgresEventLog({ connectionString: settings.databaseUrl, ...(options.pollIntervalMs ? { consumer: { pollIntervalMs: options.pollIntervalMs } } : {}) });
}

/** `url` with the session's search_path set to `schema`. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/**
 * Opens a service's DataSource on its own schema (created when missing) and applies its
 * migrations (never `synchronize`); include `eventRuntimeMigrations` for the inbox and outbox.
 * Instances starting together take turns on a session advisory lock: the first migrates, the
 * others then find nothing pending.
 */
export async function openServiceDatabase(
  environment: Pick<ServiceEnvironment, 'databaseUrl' | 'databaseSchema'>,
  options: {
    migrations: NonNullable<DataSourceOptions['migrations']>;
    /** Table recording applied migrations, e.g. `placement_migrations`. */
    migrationsTableName?: string;
    entities?: DataSourceOptions['entities'];
    poolSize?: number;
  },
): Promise<DataSource> {
  const schema = environment.databaseSchema;
  const admin = new pg.Client({ connectionString: environment.databaseUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`switchyard-migrations:${schema}`]);
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const dataSource = new DataSource({
      type: 'postgres',
      url: environment.databaseUrl,
      schema,
      extra: { options: `-c search_path="${schema}"` },
      migrations: options.migrations,
      ...(options.migrationsTableName ? { migrationsTableName: options.migrationsTableName } : {}),
      entities: options.entities ?? [],
      poolSize: options.poolSize ?? 8,
      synchronize: false,
      logging: false,
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
    return dataSource;
  } finally {
    await admin.end();
  }
}
