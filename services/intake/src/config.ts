// Intake's configuration, read once from the environment by main.ts (see docs/intake.md).
import { withSearchPath } from '@switchyard/event-runtime';
import {
  grpcUrlFromEnv,
  positiveIntFromEnv,
  rateLimitFromEnv,
  serviceEnvironment,
  type EventServiceConfig,
  type RateLimit,
} from '@switchyard/service-host';
import type { SubmissionLimits } from './jobs/submit-job.handler.js';

export { withSearchPath };

export interface IntakeConfig extends EventServiceConfig {
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

export const DEFAULT_INTAKE_GRPC_URL = '127.0.0.1:50051';

/** The shared service variables (serviceEnvironment: database, schema `intake`, event log, prefix), GRPC_URL and intake's own. */
export function intakeConfigFromEnv(env: NodeJS.ProcessEnv): IntakeConfig {
  return {
    ...serviceEnvironment(env, DEFAULT_INTAKE_SCHEMA),
    grpcUrl: grpcUrlFromEnv(env, DEFAULT_INTAKE_GRPC_URL),
    consumerGroup: env.INTAKE_CONSUMER_GROUP || DEFAULT_INTAKE_CONSUMER_GROUP,
    tenantsFile: env.SWITCHYARD_TENANTS_FILE || undefined,
    rateCardsFile: env.RATE_CARDS_FILE || undefined,
    watchPollIntervalMs: positiveIntFromEnv(env, 'INTAKE_WATCH_POLL_MS', 1000),
    watchSettlementWaitMs: positiveIntFromEnv(env, 'INTAKE_WATCH_SETTLEMENT_WAIT_MS', 30_000),
    tenantRateLimit: rateLimitFromEnv(env, { perSecond: 'TENANT_RATE_LIMIT_PER_SECOND', burst: 'TENANT_RATE_LIMIT_BURST' }),
    submissionLimits: {
      batchSize: positiveIntFromEnv(env, 'INTAKE_SUBMIT_BATCH_SIZE', 500),
      maxWaiting: positiveIntFromEnv(env, 'INTAKE_MAX_WAITING_SUBMISSIONS', 4_000),
    },
  };
}
