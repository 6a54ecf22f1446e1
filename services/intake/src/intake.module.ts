import { Module, type DynamicModule } from '@nestjs/common';
import { topicNames } from '@switchyard/contracts';
import type { IntakeConfig } from './config.js';
import { CancelJobHandler } from './jobs/cancel-job.handler.js';
import { JobGrpcController } from './jobs/job.grpc.controller.js';
import { JobQueries } from './jobs/job-queries.js';
import { SubmitJobHandler } from './jobs/submit-job.handler.js';
import { JOBS_TOPIC, SUBMISSION_LIMITS, WATCH_POLL_INTERVAL_MS, WATCH_SETTLEMENT_WAIT_MS } from './jobs/tokens.js';
import { JobStore } from './persistence/job-store.js';
import { EpochsConsumer } from './projection/epochs.consumer.js';
import { JobMetrics } from './projection/job-metrics.js';
import { JobProjector } from './projection/job-projector.js';
import { JobsConsumer } from './projection/jobs.consumer.js';
import { SettlementConsumer } from './projection/settlement.consumer.js';
import { ApiKeyAuthenticator, TENANT_RATE_LIMIT } from './tenancy/api-key-authenticator.js';
import { TenantDirectory } from './tenancy/tenant-directory.js';

/**
 * Root module of the intake service: switchyard.v1.JobService over the job projection, and the
 * consumers of the jobs, usage and ledger topics that keep it (served by the event runtime's
 * transport). The host adds the DataSource, the event log, the rate cards and the WatchJob feed.
 */
@Module({})
export class IntakeModule {
  static register(config: IntakeConfig): DynamicModule {
    return {
      module: IntakeModule,
      controllers: [JobGrpcController, JobsConsumer, EpochsConsumer, SettlementConsumer],
      providers: [
        { provide: JOBS_TOPIC, useValue: topicNames(config.topicPrefix).jobs },
        { provide: WATCH_POLL_INTERVAL_MS, useValue: config.watchPollIntervalMs },
        { provide: WATCH_SETTLEMENT_WAIT_MS, useValue: config.watchSettlementWaitMs },
        { provide: TENANT_RATE_LIMIT, useValue: config.tenantRateLimit },
        { provide: SUBMISSION_LIMITS, useValue: config.submissionLimits },
        JobStore,
        TenantDirectory,
        ApiKeyAuthenticator,
        SubmitJobHandler,
        CancelJobHandler,
        JobQueries,
        JobProjector,
        JobMetrics,
      ],
    };
  }
}
