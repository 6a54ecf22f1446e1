// What every event-driven service reads from its environment, and the two connections it opens
// from it: its own PostgreSQL schema (migrated) and the event log (Kafka or PostgreSQL).
import { readFileSync } from 'node:fs';
import {
  KAFKA_SASL_MECHANISMS,
  KafkaEventLog,
  PlatformaticEventLog,
  PostgresEventLog,
  Secret,
  type EventLog,
  type KafkaSaslMechanism,
  type KafkaSecurity,
} from '@switchyard/event-log';
import pg from 'pg';
import { kafkaLogCreator } from '@switchyard/telemetry';
import { DataSource, type DataSourceOptions } from 'typeorm';

/** Which Kafka client library the log uses; both pass the same contract suite. */
export type KafkaClient = 'kafkajs' | 'platformatic';

export type EventLogSettings =
  | { readonly backend: 'kafka'; readonly brokers: readonly string[]; readonly security?: KafkaSecurity; readonly client?: KafkaClient }
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
 * EVENT_LOG_DATABASE_URL (PostgreSQL log; default DATABASE_URL), SWITCHYARD_TOPIC_PREFIX,
 * KAFKA_CLIENT (`kafkajs`, the default, or `platformatic`: docs/decisions/kafka-client.md);
 * DATABASE_PASSWORD_FILE (the password, when DATABASE_URL carries none: a mounted secret);
 * transport security: DATABASE_SSLMODE and DATABASE_SSL_ROOT_CERT_FILE (every PostgreSQL
 * connection), KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE,
 * KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE (see kafkaSecurityFromEnv).
 */
export function serviceEnvironment(env: NodeJS.ProcessEnv, defaultSchema: string): ServiceEnvironment {
  const databaseUrl = env.DATABASE_URL ? withDatabaseTls(withDatabasePassword(env.DATABASE_URL, env), env) : undefined;
  if (!databaseUrl) throw new ConfigurationError('DATABASE_URL is required');
  const databaseSchema = env.DATABASE_SCHEMA || defaultSchema;
  if (!SCHEMA_NAME.test(databaseSchema)) {
    throw new ConfigurationError(`DATABASE_SCHEMA must be a lowercase SQL identifier, not "${databaseSchema}"`);
  }
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const backend = env.EVENT_LOG_BACKEND || (brokers.length > 0 ? 'kafka' : 'postgres');
  let eventLog: EventLogSettings;
  if (backend === 'kafka') {
    if (brokers.length === 0) throw new ConfigurationError('KAFKA_BROKERS is required with EVENT_LOG_BACKEND=kafka');
    const security = kafkaSecurityFromEnv(env);
    const client = env.KAFKA_CLIENT || undefined;
    if (client !== undefined && client !== 'kafkajs' && client !== 'platformatic')
      throw new ConfigurationError(`KAFKA_CLIENT must be "kafkajs" or "platformatic", not "${client}"`);
    // Unset means KafkaJS (openEventLog's default).
    eventLog = { backend, brokers, ...(client ? { client } : {}), ...(security ? { security } : {}) };
  } else if (backend === 'postgres') {
    eventLog = {
      backend,
      databaseUrl: env.EVENT_LOG_DATABASE_URL ? withDatabaseTls(withDatabasePassword(env.EVENT_LOG_DATABASE_URL, env), env) : databaseUrl,
    };
  } else {
    throw new ConfigurationError(`EVENT_LOG_BACKEND must be "kafka" or "postgres", not "${backend}"`);
  }
  return { databaseUrl, databaseSchema, eventLog, topicPrefix: env.SWITCHYARD_TOPIC_PREFIX ?? 'switchyard.' };
}

/** The event log the settings name; `pollIntervalMs` is the PostgreSQL log's fallback poll for consumers. */
export function openEventLog(settings: EventLogSettings, clientId: string, options: { pollIntervalMs?: number } = {}): EventLog {
  if (settings.backend === 'kafka') {
    const kafka = { brokers: [...settings.brokers], clientId, ...(settings.security ? { security: settings.security } : {}) };
    // KafkaJS's lines through the process logger, its retried conditions at debug, not ERROR.
    return settings.client === 'platformatic'
      ? new PlatformaticEventLog(kafka)
      : new KafkaEventLog({ ...kafka, logCreator: kafkaLogCreator() });
  }
  return new PostgresEventLog({
    connectionString: settings.databaseUrl,
    ...(options.pollIntervalMs ? { consumer: { pollIntervalMs: options.pollIntervalMs } } : {}),
  });
}

/** `url` with the password from DATABASE_PASSWORD_FILE, unless the URL already has one. */
export function withDatabasePassword(url: string, env: NodeJS.ProcessEnv): string {
  const file = env.DATABASE_PASSWORD_FILE || undefined;
  if (!file) return url;
  const parsed = parseDatabaseUrl(url);
  if (parsed.password) return url;
  parsed.password = encodeURIComponent(readableFile(file, 'DATABASE_PASSWORD_FILE').replace(/\r?\n$/, ''));
  return parsed.toString();
}

function parseDatabaseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ConfigurationError('DATABASE_URL is not a URL (postgres://user:password@host:port/database)');
  }
}

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/**
 * `url` with DATABASE_SSLMODE and DATABASE_SSL_ROOT_CERT_FILE applied, in libpq's meaning
 * (`uselibpqcompat`: `require` encrypts without checking the certificate, `verify-ca` checks the
 * chain, `verify-full` the chain and the host name). A URL that already says sslmode keeps it
 * unless the variable is set. Unset variables leave the URL as it is.
 */
export function withDatabaseTls(url: string, env: NodeJS.ProcessEnv): string {
  const mode = env.DATABASE_SSLMODE || undefined;
  const rootCert = env.DATABASE_SSL_ROOT_CERT_FILE || undefined;
  if (!mode && !rootCert) return url;
  if (mode && !(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConfigurationError(`DATABASE_SSLMODE must be one of ${SSL_MODES.join(', ')}, not "${mode}"`);
  }
  if (rootCert) readableFile(rootCert, 'DATABASE_SSL_ROOT_CERT_FILE');
  const parsed = parseDatabaseUrl(url);
  if (mode) parsed.searchParams.set('sslmode', mode);
  if (rootCert) parsed.searchParams.set('sslrootcert', rootCert);
  parsed.searchParams.set('uselibpqcompat', 'true');
  return parsed.toString();
}

/**
 * TLS and SASL to the brokers. KAFKA_SSL=true (implied by any KAFKA_SSL_*_FILE) connects over TLS,
 * checking the brokers against KAFKA_SSL_CA_FILE (default: public roots), with a client
 * certificate when KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE are set. KAFKA_SASL_MECHANISM
 * (plain, scram-sha-256, scram-sha-512) with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE
 * authenticates; the password is read from a file so it never sits in the environment.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv): KafkaSecurity | undefined {
  const caFile = env.KAFKA_SSL_CA_FILE || undefined;
  const certFile = env.KAFKA_SSL_CERT_FILE || undefined;
  const keyFile = env.KAFKA_SSL_KEY_FILE || undefined;
  const flag = env.KAFKA_SSL?.toLowerCase();
  if (flag !== undefined && flag !== '' && flag !== 'true' && flag !== 'false')
    throw new ConfigurationError(`KAFKA_SSL must be true or false, not "${env.KAFKA_SSL}"`);
  if (Boolean(certFile) !== Boolean(keyFile))
    throw new ConfigurationError('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together');
  const anyFile = Boolean(caFile || certFile);
  if (flag === 'false' && anyFile) throw new ConfigurationError('KAFKA_SSL=false contradicts KAFKA_SSL_CA_FILE/KAFKA_SSL_CERT_FILE');
  const tls =
    flag === 'true' || anyFile
      ? {
          ...(caFile ? { ca: readableFile(caFile, 'KAFKA_SSL_CA_FILE') } : {}),
          ...(certFile ? { cert: readableFile(certFile, 'KAFKA_SSL_CERT_FILE') } : {}),
          ...(keyFile ? { key: new Secret(readableFile(keyFile, 'KAFKA_SSL_KEY_FILE')) } : {}),
        }
      : undefined;

  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase() || undefined;
  const username = env.KAFKA_SASL_USERNAME || undefined;
  const passwordFile = env.KAFKA_SASL_PASSWORD_FILE || undefined;
  if (!mechanism) {
    if (username || passwordFile) throw new ConfigurationError('KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD_FILE need KAFKA_SASL_MECHANISM');
    return tls ? { tls } : undefined;
  }
  if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ConfigurationError(
      `KAFKA_SASL_MECHANISM must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}, not "${env.KAFKA_SASL_MECHANISM}"`,
    );
  }
  if (!username || !passwordFile)
    throw new ConfigurationError(`KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE`);
  // One trailing newline (from `echo` or a mounted secret) is not part of the password.
  const password = new Secret(readableFile(passwordFile, 'KAFKA_SASL_PASSWORD_FILE').replace(/\r?\n$/, ''));
  return { ...(tls ? { tls } : {}), sasl: { mechanism: mechanism as KafkaSaslMechanism, username, password } };
}

function readableFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
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
