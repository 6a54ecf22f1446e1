import { Module, type DynamicModule } from '@nestjs/common';
import { CallerDirectory } from '@switchyard/access';
import type { MeteringConfig } from './config.js';
import { JobsConsumer } from './jobs.consumer.js';
import { CALLER_CREDENTIALS, METERING_CONFIG } from './tokens.js';
import { UsageConsumer } from './usage.consumer.js';
import { UsageGrpcController } from './usage.grpc.controller.js';
import { UsageRecorder } from './usage-recorder.js';
import { UsageReport } from './usage-report.js';

/**
 * Root module of the metering service: UsageService over gRPC and the jobs and usage consumers'
 * handlers. The host (startEventService) adds the DataSource, the event log and the rate cards.
 */
@Module({})
export class MeteringModule {
  static register(config: MeteringConfig): DynamicModule {
    return {
      module: MeteringModule,
      controllers: [UsageGrpcController],
      providers: [
        { provide: METERING_CONFIG, useValue: config },
        {
          provide: CALLER_CREDENTIALS,
          useFactory: () =>
            CallerDirectory.fromFiles({
              tenantsFile: config.tenantCredentialsFile,
              operatorsFile: config.operatorCredentialsFile,
              adminKeyHashes: config.adminApiKeySha256,
            }),
        },
        UsageRecorder,
        JobsConsumer,
        UsageConsumer,
        UsageReport,
      ],
    };
  }
}
