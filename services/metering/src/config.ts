// The metering service's configuration, read once from the environment (docs/metering.md).
import { defaultRateCardsPath } from './rate-card/index.js';

export type EventLogBackend = 'kafka' | 'postgres';

export interface MeteringConfig {
  readonly databaseUrl: string;
  /** Schema of metering's tables, inbox and outbox; created if missing. */
  readonly databaseSchema: string;
  readonly eventLogBackend: EventLogBackend;
  /** PostgreSQL event log: the database (and search_path) all services share; default DATABASE_URL. */
  readonly eventLogDatabaseUrl: string;
  readonly kafkaBrokers: readonly string[];
  readonly topicPrefix: string;
  readonly consumerGroup: string;
  readonly rateCardsFile: string;
  /** SWITCHYARD_TENANTS_FILE: tenants and the SHA-256 hashes of their API keys (the file intake reads). */
  readonly tenantCredentialsFile: string | undefined;
  /** JSON file of operators and their API key hashes (the file placement reads). */
  readonly operatorCredentialsFile: string | undefined;
  /** SHA-256 hashes of admin API keys, comma-separated. */
  readonly adminApiKeySha256: readonly string[];
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function meteringConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MeteringConfig {
  // Like intake: Kafka when brokers are given, else the PostgreSQL log of the zero-setup run.
  const backend = env.EVENT_LOG_BACKEND || (env.KAFKA_BROKERS ? 'kafka' : 'postgres');
  if (backend !== 'kafka' && backend !== 'postgres') throw new ConfigurationError(`EVENT_LOG_BACKEND must be "kafka" or "postgres", not "${backend}"`);
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new ConfigurationError('DATABASE_URL is required');
  const brokers = list(env.KAFKA_BROKERS);
  if (backend === 'kafka' && brokers.length === 0) throw new ConfigurationError('KAFKA_BROKERS is required with EVENT_LOG_BACKEND=kafka');
  const schema = env.DATABASE_SCHEMA || 'metering';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ConfigurationError(`DATABASE_SCHEMA "${schema}" is not a plain lowercase identifier`);
  const adminHashes = list(env.ADMIN_API_KEY_SHA256);
  for (const hash of adminHashes) {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new ConfigurationError('ADMIN_API_KEY_SHA256 must list lowercase hex SHA-256 digests');
  }
  return {
    databaseUrl,
    databaseSchema: schema,
    eventLogBackend: backend,
    eventLogDatabaseUrl: env.EVENT_LOG_DATABASE_URL || databaseUrl,
    kafkaBrokers: brokers,
    topicPrefix: env.SWITCHYARD_TOPIC_PREFIX ?? 'switchyard.',
    consumerGroup: env.METERING_CONSUMER_GROUP || 'metering',
    rateCardsFile: env.RATE_CARDS_FILE || defaultRateCardsPath,
    tenantCredentialsFile: env.SWITCHYARD_TENANTS_FILE || undefined,
    operatorCredentialsFile: env.OPERATOR_CREDENTIALS_FILE || undefined,
    adminApiKeySha256: adminHashes,
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
