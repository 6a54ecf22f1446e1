import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CancelJobHandler } from './jobs/cancel-job.handler.js';
import { JobGrpcController } from './jobs/job.grpc.controller.js';
import { JobQueries } from './jobs/job-queries.js';
import { SubmitJobHandler, type SubmissionLimits } from './jobs/submit-job.handler.js';
import type { RateCard } from '@switchyard/metering/pricing';
import type { RateLimit } from '@switchyard/service-host';
import { JOBS_TOPIC, RATE_CARDS, SUBMISSION_LIMITS, WATCH_POLL_INTERVAL_MS, WATCH_SETTLEMENT_WAIT_MS } from './jobs/tokens.js';
import { JobStore } from './persistence/job-store.js';
import { ApiKeyAuthenticator, TENANT_RATE_LIMIT } from './tenancy/api-key-authenticator.js';
import { TenantDirectory } from './tenancy/tenant-directory.js';
import { JobHistoryFeed } from './watch/job-history-feed.js';

/** What the composition root opened for the gRPC module: shared with the projection. */
export interface IntakeResources {
  readonly dataSource: DataSource;
  readonly jobsTopic: string;
  readonly rateCards: readonly RateCard[];
  readonly feed: JobHistoryFeed;
  readonly watchPollIntervalMs: number;
  readonly watchSettlementWaitMs: number;
  readonly tenantRateLimit?: RateLimit | undefined;
  readonly submissionLimits: SubmissionLimits;
  /** Closes what the module does not own (projection, event log, connections) after the server stopped. */
  readonly onShutdown: () => Promise<void>;
}

const SHUTDOWN = Symbol('intake.shutdown');

class ResourcesOnShutdown implements OnApplicationShutdown {
  constructor(private readonly close: () => Promise<void>) {}

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}

/** Root module of the intake service: switchyard.v1.JobService over the job projection. */
@Module({})
export class IntakeModule {
  static register(resources: IntakeResources): DynamicModule {
    return {
      module: IntakeModule,
      controllers: [JobGrpcController],
      providers: [
        { provide: DataSource, useValue: resources.dataSource },
        { provide: JobHistoryFeed, useValue: resources.feed },
        { provide: JOBS_TOPIC, useValue: resources.jobsTopic },
        { provide: RATE_CARDS, useValue: resources.rateCards },
        { provide: WATCH_POLL_INTERVAL_MS, useValue: resources.watchPollIntervalMs },
        { provide: WATCH_SETTLEMENT_WAIT_MS, useValue: resources.watchSettlementWaitMs },
        { provide: TENANT_RATE_LIMIT, useValue: resources.tenantRateLimit },
        { provide: SUBMISSION_LIMITS, useValue: resources.submissionLimits },
        { provide: SHUTDOWN, useFactory: () => new ResourcesOnShutdown(resources.onShutdown) },
        JobStore,
        TenantDirectory,
        ApiKeyAuthenticator,
        SubmitJobHandler,
        CancelJobHandler,
        JobQueries,
      ],
    };
  }
}
