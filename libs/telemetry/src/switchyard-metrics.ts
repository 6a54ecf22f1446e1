// Every metric a Switchyard service exports, by name, with what it means. The dashboard and the
// alert rules in deploy/observability query exactly these (a test checks that a running system
// exports each); docs/observability.md lists them with their attributes.
import type { HistogramSpec, InstrumentSpec } from './instruments.js';
import { DURATION_BUCKETS_SECONDS } from './instruments.js';
import {
  METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  METRIC_MESSAGING_PROCESS_DURATION,
  METRIC_RPC_SERVER_CALL_DURATION,
} from './semconv.js';

/** Attribute names of Switchyard's own dimensions (semantic-convention attributes are in ./semconv.ts). */
export const SWITCHYARD_ATTRIBUTES = {
  tier: 'switchyard.tier',
  jobState: 'switchyard.job.state',
  queueReason: 'switchyard.queue.reason',
  providerStatus: 'switchyard.provider.status',
  gpuClass: 'switchyard.gpu.class',
  accountType: 'switchyard.account.type',
  outcome: 'switchyard.event.outcome',
} as const;

// Shared: every gRPC server and every event consumer (libs/service-host, libs/event-runtime).
export const RPC_SERVER_DURATION: HistogramSpec = {
  name: METRIC_RPC_SERVER_CALL_DURATION,
  unit: 's',
  description: 'Duration of incoming gRPC calls (semantic conventions v1.45.0 rpc.server.call.duration)',
  buckets: DURATION_BUCKETS_SECONDS,
};
export const MESSAGING_PROCESS_DURATION: HistogramSpec = {
  name: METRIC_MESSAGING_PROCESS_DURATION,
  unit: 's',
  description: 'Duration of applying one consumed event: handler, inbox claim and outbox rows in one transaction',
  buckets: DURATION_BUCKETS_SECONDS,
};
export const MESSAGING_CONSUMED: InstrumentSpec = {
  name: METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  unit: '{message}',
  description: 'Events a consumer group finished with, by outcome (applied, duplicate, ignored, unhandled, dead-lettered)',
};
export const MESSAGING_SENT: InstrumentSpec = {
  name: METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  unit: '{message}',
  description: 'Events the outbox relay appended to the log',
};
export const CONSUMER_LAG: InstrumentSpec = {
  name: 'switchyard.consumer.lag',
  unit: '{message}',
  description: "Events on a partition after the consumer group's committed offset",
};
export const OUTBOX_BACKLOG: InstrumentSpec = {
  name: 'switchyard.outbox.backlog',
  unit: '{message}',
  description: 'Committed events in the outbox not yet relayed to the log',
};
export const OUTBOX_OLDEST_AGE: InstrumentSpec = {
  name: 'switchyard.outbox.oldest_age',
  unit: 's',
  description: 'Age of the oldest event waiting in the outbox (0 when empty)',
};
export const DEAD_LETTERS: InstrumentSpec = {
  name: 'switchyard.dead_letters',
  unit: '{message}',
  description: 'Events a consumer group gave up on after its retries and appended to <topic>-dlt',
};

// intake: from its projection of the jobs topic.
export const JOBS: InstrumentSpec = {
  name: 'switchyard.jobs',
  unit: '{job}',
  description: 'Jobs by state and tier, as intake projects them',
};
export const JOB_STATE_AGE: InstrumentSpec = {
  name: 'switchyard.job.state_age.max',
  unit: 's',
  description: 'Longest time a job in a non-terminal state has been in it (stuck or long-queued jobs)',
};
const LATENCY_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];
export const SUBMIT_TO_CLASSIFIED: HistogramSpec = {
  name: 'switchyard.job.submit_to_classified.duration',
  unit: 's',
  description: 'From JobSubmitted to JobClassified, by event time',
  buckets: LATENCY_BUCKETS_SECONDS,
};
export const SUBMIT_TO_PLACED: HistogramSpec = {
  name: 'switchyard.job.submit_to_placed.duration',
  unit: 's',
  description: 'From JobSubmitted to its first JobPlaced, by event time',
  buckets: LATENCY_BUCKETS_SECONDS,
};

// payout
export const LEDGER_BALANCE: InstrumentSpec = {
  name: 'switchyard.ledger.balance',
  unit: '{token_base_unit}',
  description: 'Sum of account balances by account type (tenant, provider, protocol, payouts), in base units of the token',
};

// metering
export const USAGE_METERED: InstrumentSpec = {
  name: 'switchyard.usage.metered',
  unit: '{report}',
  description: 'Usage reports metered (UsageMetered appended)',
};
export const USAGE_GPU_TIME: InstrumentSpec = { name: 'switchyard.usage.gpu_time', unit: 's', description: 'GPU time metered' };
export const USAGE_PRICED: InstrumentSpec = {
  name: 'switchyard.usage.priced',
  unit: '{token_base_unit}',
  description: 'What metered usage was priced at, in base units of the token',
};

// placement: named here for its dashboard panels and alerts; placement registers them
// (docs/observability.md, "Placement's metrics").
export const PLACEMENT_QUEUE_DEPTH: InstrumentSpec = {
  name: 'switchyard.placement.queue.depth',
  unit: '{job}',
  description: 'Jobs waiting for capacity, by tier and the reason no provider passed the filter',
};
export const PLACEMENT_QUEUE_OLDEST_AGE: InstrumentSpec = {
  name: 'switchyard.placement.queue.oldest_age',
  unit: 's',
  description: 'How long the longest-waiting queued job of a tier has waited',
};
export const PROVIDERS: InstrumentSpec = {
  name: 'switchyard.providers',
  unit: '{provider}',
  description: 'Providers by status (ACTIVE, SUSPECT, LOST)',
};
export const PROVIDERS_LOST: InstrumentSpec = {
  name: 'switchyard.providers.lost',
  unit: '{provider}',
  description: 'Providers declared lost (ProviderLost appended)',
};
export const GPU_UTILIZATION: InstrumentSpec = {
  name: 'switchyard.provider.gpu.utilization',
  unit: '1',
  description: 'GPUs in use over GPUs registered by active providers, per GPU class (0..1)',
};
export const GPUS: InstrumentSpec = {
  name: 'switchyard.provider.gpus',
  unit: '{gpu}',
  description: 'GPUs registered by active providers, per GPU class',
};
