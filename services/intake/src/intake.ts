// Intake's one start-up call: its schema, the event log, the projection of the jobs, usage and
// ledger topics (with the outbox relay) and switchyard.v1.JobService, in one application.
// Intake's extras: the tenants file loaded into the database, the rate cards and the WatchJob feed.
import { readTenantsFile } from '@switchyard/access';
import { apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { loadRateCards } from '@switchyard/metering/pricing';
import {
  JsonLogger,
  startEventService,
  type Clock,
  type OpenedService,
  type RunningEventService,
  type ServiceResources,
} from '@switchyard/service-host';
import { withSearchPath, type IntakeConfig } from './config.js';
import { IntakeModule } from './intake.module.js';
import { RATE_CARDS } from './jobs/tokens.js';
import { intakeMigrations } from './persistence/intake-migrations.js';
import { IGNORED_LEDGER_EVENT_TYPES } from './projection/epochs.consumer.js';
import { JobProjector, PROJECTED_JOB_EVENT_TYPES, SETTLEMENT_EVENT_TYPES } from './projection/job-projector.js';
import { IGNORED_JOB_EVENT_TYPES } from './projection/jobs.consumer.js';
import { IGNORED_USAGE_EVENT_TYPES } from './projection/settlement.consumer.js';
import { TenantDirectory } from './tenancy/tenant-directory.js';
import { JobHistoryFeed } from './watch/job-history-feed.js';

export interface StartIntakeOptions {
  /** Exit on SIGTERM/SIGINT (the process's own); off when a test runner hosts the service. */
  readonly handleSignals?: boolean;
  /** The clock JobService reads the time of a call from; the system clock unless a test sets one. */
  readonly clock?: Clock;
}

export type RunningIntake = RunningEventService;

export function startIntake(config: IntakeConfig, options: StartIntakeOptions = {}): Promise<RunningIntake> {
  return startEventService({
    name: 'intake',
    config,
    module: IntakeModule.register(config),
    protos: { files: [apiProtoFiles.jobService], packages: [apiPackageName], includeDirs: [protoRoot] },
    topics: ['jobs', 'ledger', 'usage'],
    migrations: intakeMigrations,
    consumers: {
      groupId: config.consumerGroup,
      topics: ['jobs', 'ledger', 'usage'],
      ignoredTypes: [...IGNORED_JOB_EVENT_TYPES, ...IGNORED_LEDGER_EVENT_TYPES, ...IGNORED_USAGE_EVENT_TYPES],
      // The job projection takes a partition's run of job events, or of usage facts, at once (the
      // per-event handlers stay the fallback).
      batchHandler: (app) => {
        const projector = app.get(JobProjector);
        return {
          types: new Set([...PROJECTED_JOB_EVENT_TYPES, ...SETTLEMENT_EVENT_TYPES]),
          handle: async (events, { manager }) => {
            await projector.projectRun(
              manager,
              events.map((e) => e.envelope),
            );
          },
        };
      },
      maxBatchSize: 500,
    },
    resources: intakeResources,
    handleSignals: options.handleSignals ?? true,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

async function intakeResources({ config, dataSource }: OpenedService<IntakeConfig>): Promise<ServiceResources> {
  const logger = new JsonLogger('intake');
  if (config.tenantsFile) {
    const tenants = readTenantsFile(config.tenantsFile);
    await new TenantDirectory(dataSource).replaceAll(tenants);
    logger.log(`loaded ${tenants.length} tenants from ${config.tenantsFile}`);
  } else {
    logger.warn(
      'SWITCHYARD_TENANTS_FILE is not set: keeping the tenants already stored; a fresh database answers every call UNAUTHENTICATED',
    );
  }
  const rateCards = await loadRateCards(config.rateCardsFile);
  const feed = new JobHistoryFeed(withSearchPath(config.databaseUrl, config.databaseSchema), {
    warn: (message) => logger.warn(message, 'JobHistoryFeed'),
  });
  await feed.start();
  return {
    providers: [
      { provide: RATE_CARDS, useValue: rateCards },
      { provide: JobHistoryFeed, useValue: feed },
    ],
    close: () => feed.close(),
  };
}
