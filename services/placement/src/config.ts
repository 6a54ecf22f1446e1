// The placement service's configuration, read once from the environment (see docs/placement-service.md).
import {
  ConfigurationError,
  grpcUrlFromEnv,
  optionalPositiveIntFromEnv,
  positiveIntFromEnv,
  serviceEnvironment,
  type EventServiceConfig,
} from '@switchyard/service-host';

export { ConfigurationError };

export interface PlacementConfig extends EventServiceConfig {
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
  /**
   * The address other instances forward provider calls to while this one leads (host:port):
   * PLACEMENT_ADVERTISED_ADDRESS, else the listen address (a port 0 resolved when it starts).
   */
  readonly advertisedAddress: string;
}

export const DEFAULT_PLACEMENT_GRPC_URL = '127.0.0.1:50053';

/** The shared service variables (serviceEnvironment: database, schema `placement`, event log, prefix), GRPC_URL and placement's own. */
export function placementConfigFromEnv(env: NodeJS.ProcessEnv): PlacementConfig {
  const grpcUrl = grpcUrlFromEnv(env, DEFAULT_PLACEMENT_GRPC_URL);
  return {
    ...serviceEnvironment(env, 'placement'),
    grpcUrl,
    policyFile: env.PLACEMENT_POLICY_FILE || undefined,
    operatorCredentialsFile: env.OPERATOR_CREDENTIALS_FILE || undefined,
    heartbeatIntervalMs: positiveIntFromEnv(env, 'HEARTBEAT_INTERVAL_MS', 10_000),
    livenessCheckPeriodMs: positiveIntFromEnv(env, 'LIVENESS_CHECK_PERIOD_MS', 2_000),
    queueRetryPeriodMs: positiveIntFromEnv(env, 'QUEUE_RETRY_PERIOD_MS', 2_000),
    suspectAfterMissed: optionalPositiveIntFromEnv(env, 'SUSPECT_AFTER_MISSED'),
    lostAfterMissed: optionalPositiveIntFromEnv(env, 'LOST_AFTER_MISSED'),
    consumerGroup: env.PLACEMENT_CONSUMER_GROUP || 'switchyard.placement',
    leaseTtlMs: positiveIntFromEnv(env, 'PLACEMENT_LEASE_TTL_MS', 5_000),
    advertisedAddress: env.PLACEMENT_ADVERTISED_ADDRESS || grpcUrl,
  };
}
