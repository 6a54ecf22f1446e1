// The placement service's configuration, read once from the environment (see docs/placement-service.md).
import { ConfigurationError, serviceEnvironment, type ServiceEnvironment } from '@switchyard/event-runtime';

export { ConfigurationError };

export interface PlacementConfig extends ServiceEnvironment {
  /** The placement policy as a file (domain/policy-file.ts); unset: the shipped default. */
  readonly policyFile: string | undefined;
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
  /** How long the scheduler's lease lasts unless renewed: a standby takes over within about this long. */
  readonly leaseTtlMs: number;
  /** The address other instances forward provider calls to while this one leads (host:port). */
  readonly advertisedAddress: string;
}

/** The shared service variables (serviceEnvironment: database, schema `placement`, event log, prefix) and placement's own. */
export function placementConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PlacementConfig {
  return {
    ...serviceEnvironment(env, 'placement'),
    policyFile: env.PLACEMENT_POLICY_FILE || undefined,
    operatorCredentialsFile: env.OPERATOR_CREDENTIALS_FILE || undefined,
    heartbeatIntervalMs: positiveInt(env, 'HEARTBEAT_INTERVAL_MS', 10_000),
    livenessCheckPeriodMs: positiveInt(env, 'LIVENESS_CHECK_PERIOD_MS', 2_000),
    queueRetryPeriodMs: positiveInt(env, 'QUEUE_RETRY_PERIOD_MS', 2_000),
    suspectAfterMissed: optionalPositiveInt(env, 'SUSPECT_AFTER_MISSED'),
    lostAfterMissed: optionalPositiveInt(env, 'LOST_AFTER_MISSED'),
    consumerGroup: env.PLACEMENT_CONSUMER_GROUP || 'switchyard.placement',
    leaseTtlMs: positiveInt(env, 'PLACEMENT_LEASE_TTL_MS', 5_000),
    advertisedAddress: env.PLACEMENT_ADVERTISED_ADDRESS || env.GRPC_URL || '127.0.0.1:50053',
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
