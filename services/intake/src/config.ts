// Intake's configuration, read once from the environment by main.ts (see docs/intake.md).
import { ConfigurationError, serviceEnvironment, withSearchPath, type ServiceEnvironment } from '@switchyard/event-runtime';
import type { SubmissionLimits } from './jobs/submit-job.handler.js';
import { rateLimitFromEnv, type RateLimit } from '@switchyard/service-host';

export { withSearchPath };

export interface IntakeConfig extends ServiceEnvironment {
  /** `host:port` to serve gRPC on; port 0 picks a free port. */
  readonly grpcUrl: string;
  /** Consumer group of the jobs projection. */
  readonly consumerGroup: string;
  /** JSON file listing tenants and their API key hashes; without one, every call is UNAUTHENTICATED. */
  readonly tenantsFile: string | undefined;
  /** How often an idle WatchJob re-reads the history when no notification arrives. */
  readonly watchPollIntervalMs: number;
  /** How long WatchJob stays open after an ended job's last entry while its settlement is PENDING or METERED. */
  readonly watchSettlementWaitMs: number;
  /** Rate cards QuoteJob and SubmitJob price with (metering's file unless RATE_CARDS_FILE names another). */
  readonly rateCardsFile: string | undefined;
  /** Calls per tenant per second on every JobService RPC (TENANT_RATE_LIMIT_PER_SECOND/_BURST); unset: unlimited. */
  readonly tenantRateLimit?: RateLimit | undefined;
  /** SubmitJob batching: submissions per transaction at most, and how many may wait before new ones are refused. */
  readonly submissionLimits: SubmissionLimits;
}

export const DEFAULT_INTAKE_SCHEMA = 'intake';
// Namespaced so another team's group cannot join it by accident (docs/topics/README.md).
export const DEFAULT_INTAKE_CONSUMER_GROUP = 'switchyard.intake';

/** The shared service variables (serviceEnvironment: database, schema `intake`, event log, prefix) and intake's own. */
export function intakeConfigFromEnv(env: NodeJS.ProcessEnv): IntakeConfig {
  return {
    ...serviceEnvironment(env, DEFAULT_INTAKE_SCHEMA),
    grpcUrl: env.GRPC_URL ?? '127.0.0.1:50051',
    consumerGroup: env.INTAKE_CONSUMER_GROUP || DEFAULT_INTAKE_CONSUMER_GROUP,
    tenantsFile: env.SWITCHYARD_TENANTS_FILE || undefined,
    rateCardsFile: env.RATE_CARDS_FILE || undefined,
    watchPollIntervalMs: Number(env.INTAKE_WATCH_POLL_MS ?? 1000),
    watchSettlementWaitMs: positiveInt(env, 'INTAKE_WATCH_SETTLEMENT_WAIT_MS', 30_000),
    tenantRateLimit: rateLimitFromEnv(env, { perSecond: 'TENANT_RATE_LIMIT_PER_SECOND', burst: 'TENANT_RATE_LIMIT_BURST' }),
    submissionLimits: {
      batchSize: positiveInt(env, 'INTAKE_SUBMIT_BATCH_SIZE', 500),
      maxWaiting: positiveInt(env, 'INTAKE_MAX_WAITING_SUBMISSIONS', 4_000),
    },
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive integer, not "${raw}"`);
  return value;
}
