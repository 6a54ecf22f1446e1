// Intake's configuration, read once from the environment by main.ts (see docs/intake.md).

export type EventLogBackend = 'kafka' | 'postgres';

export interface IntakeConfig {
  /** `host:port` to serve gRPC on; port 0 picks a free port. */
  readonly grpcUrl: string;
  readonly databaseUrl: string;
  /** Schema holding intake's tables and its migrations table; created when missing. */
  readonly databaseSchema: string;
  readonly eventLog:
    | { readonly backend: 'kafka'; readonly brokers: readonly string[] }
    | { readonly backend: 'postgres'; readonly databaseUrl: string };
  /** Prefix of physical topic names, e.g. `switchyard.` gives `switchyard.jobs`. */
  readonly topicPrefix: string;
  /** Consumer group of the jobs projection. */
  readonly consumerGroup: string;
  /** JSON file listing tenants and their API key hashes; without one, every call is UNAUTHENTICATED. */
  readonly tenantsFile: string | undefined;
  /** How often an idle WatchJob re-reads the history when no notification arrives. */
  readonly watchPollIntervalMs: number;
  /** Rate cards QuoteJob and SubmitJob price with (metering's file unless RATE_CARDS_FILE names another). */
  readonly rateCardsFile: string | undefined;
}

export const DEFAULT_INTAKE_SCHEMA = 'intake';
export const DEFAULT_INTAKE_CONSUMER_GROUP = 'intake';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function intakeConfigFromEnv(env: NodeJS.ProcessEnv): IntakeConfig {
  const databaseUrl = required(env, 'DATABASE_URL');
  const databaseSchema = env.DATABASE_SCHEMA ?? DEFAULT_INTAKE_SCHEMA;
  if (!SCHEMA_NAME.test(databaseSchema)) throw new Error(`DATABASE_SCHEMA must be a lowercase SQL identifier, got "${databaseSchema}"`);
  const backend = env.EVENT_LOG_BACKEND ?? (env.KAFKA_BROKERS ? 'kafka' : 'postgres');
  if (backend !== 'kafka' && backend !== 'postgres') throw new Error(`EVENT_LOG_BACKEND must be kafka or postgres, got "${backend}"`);
  const eventLog: IntakeConfig['eventLog'] =
    backend === 'kafka'
      ? { backend, brokers: required(env, 'KAFKA_BROKERS').split(',').map((b) => b.trim()).filter(Boolean) }
      : { backend, databaseUrl: env.EVENT_LOG_DATABASE_URL ?? databaseUrl };
  return {
    grpcUrl: env.GRPC_URL ?? '127.0.0.1:50051',
    databaseUrl,
    databaseSchema,
    eventLog,
    topicPrefix: env.SWITCHYARD_TOPIC_PREFIX ?? 'switchyard.',
    consumerGroup: env.INTAKE_CONSUMER_GROUP ?? DEFAULT_INTAKE_CONSUMER_GROUP,
    tenantsFile: env.SWITCHYARD_TENANTS_FILE || undefined,
    rateCardsFile: env.RATE_CARDS_FILE || undefined,
    watchPollIntervalMs: Number(env.INTAKE_WATCH_POLL_MS ?? 1000),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** `url` with its search_path set to `schema`, for clients that take a connection string. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}
