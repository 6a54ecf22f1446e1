// Composition root: opens the database (migrations, tenants), the event log and the WatchJob
// feed, starts the projection of the jobs, usage and ledger topics (event runtime transport, with the outbox relay) and serves
// switchyard.v1.JobService. main.ts calls it with the environment's configuration.
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { apiPackageName, apiProtoFiles, protoRoot, topicNames, topicProvisioning } from '@switchyard/contracts';
import { EventHandlerErrorFilter, EventLogServer, openEventLog } from '@switchyard/event-runtime';
import { JsonLogger, startGrpcService, type RunningGrpcService } from '@switchyard/service-host';
import { startMetrics, startTracing } from '@switchyard/telemetry';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { withSearchPath, type IntakeConfig } from './config.js';
import { IntakeModule } from './intake.module.js';
import { loadRateCards } from '@switchyard/metering/pricing';
import { intakeMigrations } from './persistence/intake-migrations.js';
import { JobProjectionModule } from './projection/job-projection.module.js';
import { IGNORED_LEDGER_EVENT_TYPES } from './projection/epochs.consumer.js';
import { IGNORED_JOB_EVENT_TYPES } from './projection/jobs.consumer.js';
import { IGNORED_USAGE_EVENT_TYPES } from './projection/settlement.consumer.js';
import { JobProjector, PROJECTED_JOB_EVENT_TYPES } from './projection/job-projector.js';
import { JobStore } from './persistence/job-store.js';
import { TenantDirectory } from './tenancy/tenant-directory.js';
import { readTenantsFile } from '@switchyard/access';
import { JobHistoryFeed } from './watch/job-history-feed.js';

export interface StartIntakeOptions {
  /** Exit on SIGTERM/SIGINT (the process's own); off when a test runner hosts the service. */
  readonly handleSignals?: boolean;
}

export interface RunningIntake {
  readonly address: string;
  readonly app: RunningGrpcService['app'];
  /** Stops serving, then the projection and relay, then closes the connections. */
  close(): Promise<void>;
}

export async function startIntake(config: IntakeConfig, options: StartIntakeOptions = {}): Promise<RunningIntake> {
  const logger = new JsonLogger('intake');
  // What is open so far, closed in reverse order on shutdown or when a later step fails.
  const closers: (() => Promise<unknown>)[] = [];
  let closing: Promise<void> | undefined;
  const closeResources = (): Promise<void> =>
    (closing ??= (async () => {
      for (const close of closers.reverse()) await close().catch((error: unknown) => logger.error(`closing: ${String(error)}`));
    })());

  try {
    // Before the projection starts, so its spans and metrics are not lost (startGrpcService reuses them).
    startTracing('intake');
    const metrics = await startMetrics('intake');
    closers.push(() => metrics.shutdown());
    const schemaUrl = withSearchPath(config.databaseUrl, config.databaseSchema);
    await createSchemaIfMissing(config.databaseUrl, config.databaseSchema);
    const dataSource = new DataSource({ type: 'postgres', url: schemaUrl, migrations: intakeMigrations, poolSize: 8, logging: false });
    await dataSource.initialize();
    closers.push(() => dataSource.destroy());
    await dataSource.runMigrations({ transaction: 'each' });
    await loadTenants(config, dataSource, logger);

    const eventLog = openEventLog(config.eventLog, 'switchyard-intake');
    closers.push(() => eventLog.close());
    const { jobs: jobsTopic, ledger: ledgerTopic, usage: usageTopic } = topicNames(config.topicPrefix);
    await eventLog.admin.createTopics(topicProvisioning(config.topicPrefix, ['jobs', 'ledger', 'usage']));
    const rateCards = await loadRateCards(config.rateCardsFile);
    const feed = new JobHistoryFeed(schemaUrl, { warn: (message) => logger.warn(message, 'JobHistoryFeed') });
    await feed.start();
    closers.push(() => feed.close());

    const batchProjector = new JobProjector(new JobStore());
    const projection = await NestFactory.createMicroservice(JobProjectionModule.register(dataSource), {
      logger,
      strategy: new EventLogServer({
        eventLog,
        dataSource,
        groupId: config.consumerGroup,
        topics: [jobsTopic, ledgerTopic, usageTopic],
        ignoredTypes: [...IGNORED_JOB_EVENT_TYPES, ...IGNORED_LEDGER_EVENT_TYPES, ...IGNORED_USAGE_EVENT_TYPES],
        // The job projection takes a partition's run of job events at once (the per-event handlers stay the fallback).
        batchHandler: { types: new Set(PROJECTED_JOB_EVENT_TYPES), handle: (events, { manager }) => batchProjector.projectBatch(manager, events.map((e) => e.envelope)) },
        maxBatchSize: 500,
      }),
    });
    projection.useGlobalFilters(new EventHandlerErrorFilter());
    closers.push(() => projection.close());
    await projection.listen();

    const service = await startGrpcService({
      name: 'intake',
      module: rootModule(IntakeModule.register({ dataSource, jobsTopic, rateCards, feed, watchPollIntervalMs: config.watchPollIntervalMs, watchSettlementWaitMs: config.watchSettlementWaitMs, tenantRateLimit: config.tenantRateLimit, submissionLimits: config.submissionLimits, onShutdown: closeResources })),
      url: config.grpcUrl,
      protos: { files: [apiProtoFiles.jobService], packages: [apiPackageName], includeDirs: [protoRoot] },
      handleSignals: options.handleSignals ?? true,
    });
    return { address: service.address, app: service.app, close: () => service.app.close() };
  } catch (error) {
    await closeResources();
    throw error;
  }
}

/** startGrpcService takes a module class; this one imports the configured dynamic module. */
function rootModule(configured: DynamicModule): Type<unknown> {
  class IntakeRootModule {}
  Module({ imports: [configured] })(IntakeRootModule);
  return IntakeRootModule;
}

async function createSchemaIfMissing(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

async function loadTenants(config: IntakeConfig, dataSource: DataSource, logger: JsonLogger): Promise<void> {
  if (!config.tenantsFile) {
    logger.warn('SWITCHYARD_TENANTS_FILE is not set: keeping the tenants already stored; a fresh database answers every call UNAUTHENTICATED');
    return;
  }
  const tenants = readTenantsFile(config.tenantsFile);
  await new TenantDirectory(dataSource).replaceAll(tenants);
  logger.log(`loaded ${tenants.length} tenants from ${config.tenantsFile}`);
}

