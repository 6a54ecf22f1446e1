import { usageError } from './cli-error.js';

export type Backend = 'kafka' | 'postgres';

/** Options every command takes, as commander parsed them (before defaults from the environment). */
export interface RawGlobalOptions {
  json?: boolean;
  color?: boolean;
  backend?: string;
  brokers?: string;
  databaseUrl?: string;
  topicPrefix?: string;
}

export interface GlobalOptions {
  readonly json: boolean;
  readonly color: boolean;
  readonly backend: Backend;
  readonly brokers: readonly string[];
  readonly databaseUrl: string | undefined;
  readonly topicPrefix: string;
}

export const DEFAULT_TOPIC_PREFIX = 'switchyard.';

/**
 * Flags win over the environment. The backend defaults to Kafka when KAFKA_BROKERS is set, as the
 * services do, and to the PostgreSQL log otherwise (the zero-setup run).
 */
export function resolveGlobalOptions(raw: RawGlobalOptions, env: NodeJS.ProcessEnv, stdoutIsTty: boolean): GlobalOptions {
  const brokers = (raw.brokers ?? env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const backend = raw.backend ?? (brokers.length > 0 ? 'kafka' : 'postgres');
  if (backend !== 'kafka' && backend !== 'postgres') throw usageError(`--backend must be kafka or postgres, not "${backend}"`);
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    json: raw.json === true,
    // JSON is for programs: never coloured. NO_COLOR (https://no-color.org) and pipes turn colour off too.
    color: raw.color !== false && !noColorEnv && raw.json !== true && stdoutIsTty,
    backend,
    brokers,
    databaseUrl: raw.databaseUrl ?? env.DATABASE_URL,
    topicPrefix: raw.topicPrefix ?? env.SWITCHYARD_TOPIC_PREFIX ?? DEFAULT_TOPIC_PREFIX,
  };
}
