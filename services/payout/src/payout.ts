// Payout's one start-up call: its schema and migrations, the event log and the topics it reads
// and writes, one consumer group over the usage and jobs topics (the @EventPattern handlers of
// UsageConsumer and JobsConsumer, each event applied once through the inbox, its ledger events
// written to the outbox), the relay that publishes them, and switchyard.v1.PayoutService.
import { apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { combineBatchHandling, type BatchHandling } from '@switchyard/event-runtime';
import { startEventService, type Clock, type RunningEventService } from '@switchyard/service-host';
import type { PayoutConfig } from './config.js';
import { FOLDED_JOB_EVENT_TYPES, IGNORED_JOB_EVENT_TYPES, JobsConsumer } from './jobs.consumer.js';
import { PayoutModule } from './payout.module.js';
import { payoutMigrations } from './persistence/payout-data-source.js';
import { IGNORED_USAGE_EVENT_TYPES, USAGE_METERED, UsageConsumer } from './usage.consumer.js';

export interface StartPayoutOptions {
  /** Exit on SIGTERM/SIGINT (the process's own); off when a test runner hosts the service. */
  readonly handleSignals?: boolean;
  /** The clock PayoutService reads the time of a call from; the system clock unless a test sets one. */
  readonly clock?: Clock;
}

export function startPayout(config: PayoutConfig, options: StartPayoutOptions = {}): Promise<RunningEventService> {
  return startEventService({
    name: 'payout',
    config,
    module: PayoutModule.register(config),
    protos: { files: [apiProtoFiles.payoutService], packages: [apiPackageName], includeDirs: [protoRoot] },
    topics: ['jobs', 'usage', 'ledger'],
    migrations: payoutMigrations,
    migrationsTableName: 'payout_migrations',
    poolSize: 6,
    eventLog: { pollIntervalMs: 500 },
    consumers: {
      groupId: config.consumerGroup,
      topics: ['usage', 'jobs'],
      ignoredTypes: [...IGNORED_USAGE_EVENT_TYPES, ...IGNORED_JOB_EVENT_TYPES],
      // A refused UsageMetered (charge != earning + fee) is dead-lettered after these.
      retry: { maxAttempts: 5 },
      maxBatchSize: 50,
      // One batch handler for the group: a run of job facts is folded per job (JobsConsumer.applyFacts)
      // and a run of UsageMetered is posted at once (UsageConsumer.applyUsage), dispatched by type.
      batchHandler: (app) => payoutBatchHandling(app.get(JobsConsumer), app.get(UsageConsumer)),
    },
    relay: { pollIntervalMs: 500 },
    handleSignals: options.handleSignals ?? true,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/**
 * The consumer group's batch handling: the usage and jobs topics share it, so a run is split into
 * its consecutive stretches of job facts and of UsageMetered, each applied at once, in log order.
 */
export function payoutBatchHandling(jobs: JobsConsumer, usage: UsageConsumer): BatchHandling {
  return combineBatchHandling(
    { types: new Set(FOLDED_JOB_EVENT_TYPES), handle: (events, context) => jobs.applyFacts(events, context) },
    { types: new Set([USAGE_METERED]), handle: (events, context) => usage.applyUsage(events, context) },
  );
}
