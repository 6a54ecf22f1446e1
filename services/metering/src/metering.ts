// Metering's one start-up call: its schema and migrations, the event log and its topics, one
// consumer group over the jobs and usage topics (inbox, retries, dead letters) with the outbox
// relay, and switchyard.v1.UsageService; its extra is the rate cards it prices with.
import { apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { combineBatchHandling, type BatchHandling } from '@switchyard/event-runtime';
import { startEventService, type RunningEventService } from '@switchyard/service-host';
import type { MeteringConfig } from './config.js';
import { IGNORED_JOB_EVENT_TYPES, JobsConsumer } from './jobs.consumer.js';
import { MeteringModule } from './metering.module.js';
import { meteringMigrations } from './persistence/metering-database.js';
import { loadRateCards } from './rate-card/index.js';
import { RATE_CARDS } from './tokens.js';
import { IGNORED_USAGE_EVENT_TYPES, UsageConsumer } from './usage.consumer.js';

export interface StartMeteringOptions {
  /** Exit on SIGTERM/SIGINT (the process's own); off when a test runner hosts the service. */
  readonly handleSignals?: boolean;
}

export function startMetering(config: MeteringConfig, options: StartMeteringOptions = {}): Promise<RunningEventService> {
  return startEventService({
    name: 'metering',
    config,
    module: MeteringModule.register(config),
    protos: { files: [apiProtoFiles.usageService], packages: [apiPackageName], includeDirs: [protoRoot] },
    topics: ['jobs', 'usage'],
    migrations: meteringMigrations,
    migrationsTableName: 'metering_migrations',
    poolSize: 6,
    eventLog: { clientId: `metering-${config.consumerGroup}` },
    consumers: {
      groupId: config.consumerGroup,
      topics: ['jobs', 'usage'],
      ignoredTypes: [...IGNORED_JOB_EVENT_TYPES, ...IGNORED_USAGE_EVENT_TYPES],
      // The consumers' handlers by event type (they are providers, not @EventPattern controllers).
      handlers: (app) => new Map([...app.get(JobsConsumer).handlers(), ...app.get(UsageConsumer).handlers()]),
      // A partition's run of job facts, or of usage reports, at once (the per-event handlers stay the fallback).
      batchHandler: (app) => meteringBatchHandling(app.get(JobsConsumer), app.get(UsageConsumer)),
      retry: { maxAttempts: 5 },
      maxBatchSize: 50,
    },
    relay: { pollIntervalMs: 500 },
    resources: async () => ({ providers: [{ provide: RATE_CARDS, useValue: await loadRateCards(config.rateCardsFile) }] }),
    handleSignals: options.handleSignals ?? true,
  });
}

/** The group's batch handling: a run's stretches of job facts and of usage reports, each applied at once, in log order. */
export function meteringBatchHandling(jobs: JobsConsumer, usage: UsageConsumer): BatchHandling {
  return combineBatchHandling(jobs.batchHandling(), usage.batchHandling());
}
