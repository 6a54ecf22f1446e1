// The placement service's configuration, read once from the environment (see docs/placement-service.md).

export type EventLogBackend = 'kafka' | 'postgres';

export interface PlacementConfig {
  readonly databaseUrl: string;
  /** Schema holding placement's tables, inbox and outbox; created if missing. */
  readonly databaseSchema: string;
  readonly eventLogBackend: EventLogBackend;
  /** PostgreSQL event log: the database (and search_path) all services share; default DATABASE_URL. */
  readonly eventLogDatabaseUrl: string;
  readonly kafkaBrokers: readonly string[];
  readonly topicPrefix: string;
  /** JSON file of operators and the SHA-256 hashes of their API keys. */
  readonly operatorCredentialsFile: string | undefined;
  /** Interval providers are told to heartbeat at; liveness counts missed intervals of it. */
  readonly heartbeatIntervalMs: number;
  /** How often the liveness sweep runs. */
  readonly livenessCheckPeriodMs: number;
  /** How often the queue is retried (and deadlines checked) without a capacity signal. */
  readonly queueRetryPeriodMs: number;
  /** Missed intervals before a provider is SUSPECT / LOST (policy defaults when unset). */
  readonly suspectAfterMissed: number | undefined;
  readonly lostAfterMissed: number | undefined;
  /** Consumer group of the jobs topic. */
  readonly consumerGroup: string;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function placementConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PlacementConfig {
  const backend = env.EVENT_LOG_BACKEND ?? 'kafka';
  if (backend !== 'kafka' && backend !== 'postgres') {
    throw new ConfigurationError(`EVENT_LOG_BACKEND must be "kafka" or "postgres", not "${backend}"`);
  }
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new ConfigurationError('DATABASE_URL is required');
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (backend === 'kafka' && brokers.length === 0) throw new ConfigurationError('KAFKA_BROKERS is required with EVENT_LOG_BACKEND=kafka');
  const schema = env.DATABASE_SCHEMA ?? 'placement';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ConfigurationError(`DATABASE_SCHEMA "${schema}" is not a plain lowercase identifier`);
  return {
    databaseUrl,
    databaseSchema: schema,
    eventLogBackend: backend,
    eventLogDatabaseUrl: env.EVENT_LOG_DATABASE_URL || databaseUrl,
    kafkaBrokers: brokers,
    topicPrefix: env.SWITCHYARD_TOPIC_PREFIX ?? 'switchyard.',
    operatorCredentialsFile: env.OPERATOR_CREDENTIALS_FILE || undefined,
    heartbeatIntervalMs: positiveInt(env, 'HEARTBEAT_INTERVAL_MS', 10_000),
    livenessCheckPeriodMs: positiveInt(env, 'LIVENESS_CHECK_PERIOD_MS', 2_000),
    queueRetryPeriodMs: positiveInt(env, 'QUEUE_RETRY_PERIOD_MS', 2_000),
    suspectAfterMissed: optionalPositiveInt(env, 'SUSPECT_AFTER_MISSED'),
    lostAfterMissed: optionalPositiveInt(env, 'LOST_AFTER_MISSED'),
    consumerGroup: env.PLACEMENT_CONSUMER_GROUP ?? 'placement',
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return optionalPositiveInt(env, name) ?? fallback;
}

function optionalPositiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive integer, not "${raw}"`);
  return value;
}
