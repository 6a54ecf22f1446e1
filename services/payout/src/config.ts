// The payout service's configuration, read once from the environment (see docs/ledger.md).
import { DEFAULT_PENALTY_POLICY, type PenaltyPolicy } from './domain/index.js';

export type EventLogBackend = 'kafka' | 'postgres';

export interface PayoutConfig {
  readonly databaseUrl: string;
  /** Schema holding the ledger, inbox and outbox; created if missing. */
  readonly databaseSchema: string;
  readonly eventLogBackend: EventLogBackend;
  /** PostgreSQL event log: the database (and search_path) all services share; default DATABASE_URL. */
  readonly eventLogDatabaseUrl: string;
  readonly kafkaBrokers: readonly string[];
  readonly topicPrefix: string;
  readonly consumerGroup: string;
  /** SHA-256 (lowercase hex) of the admin API key; without it nobody can close an epoch. */
  readonly adminKeySha256: string | undefined;
  /** The tenants file intake reads: tenant API key hashes and spending caps. */
  readonly tenantsFile: string | undefined;
  /** The operators file placement reads: operator API key hashes. */
  readonly operatorCredentialsFile: string | undefined;
  readonly penaltyPolicy: PenaltyPolicy;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function payoutConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PayoutConfig {
  const backend = env.EVENT_LOG_BACKEND ?? 'kafka';
  if (backend !== 'kafka' && backend !== 'postgres') throw new ConfigurationError(`EVENT_LOG_BACKEND must be "kafka" or "postgres", not "${backend}"`);
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new ConfigurationError('DATABASE_URL is required');
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (backend === 'kafka' && brokers.length === 0) throw new ConfigurationError('KAFKA_BROKERS is required with EVENT_LOG_BACKEND=kafka');
  const schema = env.DATABASE_SCHEMA ?? 'payout';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ConfigurationError(`DATABASE_SCHEMA "${schema}" is not a plain lowercase identifier`);
  const adminKeySha256 = env.ADMIN_API_KEY_SHA256 || undefined;
  if (adminKeySha256 !== undefined && !/^[0-9a-f]{64}$/.test(adminKeySha256)) {
    throw new ConfigurationError('ADMIN_API_KEY_SHA256 must be a lowercase hex SHA-256 digest');
  }
  return {
    databaseUrl,
    databaseSchema: schema,
    eventLogBackend: backend,
    eventLogDatabaseUrl: env.EVENT_LOG_DATABASE_URL || databaseUrl,
    kafkaBrokers: brokers,
    topicPrefix: env.SWITCHYARD_TOPIC_PREFIX ?? 'switchyard.',
    consumerGroup: env.PAYOUT_CONSUMER_GROUP ?? 'payout',
    adminKeySha256,
    tenantsFile: env.SWITCHYARD_TENANTS_FILE || undefined,
    operatorCredentialsFile: env.OPERATOR_CREDENTIALS_FILE || undefined,
    penaltyPolicy: DEFAULT_PENALTY_POLICY,
  };
}
