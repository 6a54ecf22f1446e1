import { Module, type DynamicModule } from '@nestjs/common';
import { CallerDirectory } from '@switchyard/access';
import type { PayoutConfig } from './config.js';
import { CloseEpochHandler } from './epochs/close-epoch.handler.js';
import { JobsConsumer } from './jobs.consumer.js';
import { LedgerMetrics } from './ledger-metrics.js';
import { PayoutGrpcController } from './payout.grpc.controller.js';
import { CALLERS, PAYOUT_CONFIG } from './tokens.js';
import { UsageConsumer } from './usage.consumer.js';

/**
 * Root module of the payout service: the PayoutService API and the usage and jobs consumers
 * (served by the event runtime's transport). The host (startEventService) adds the DataSource
 * and the event log.
 */
@Module({})
export class PayoutModule {
  static register(config: PayoutConfig): DynamicModule {
    return {
      module: PayoutModule,
      controllers: [PayoutGrpcController, UsageConsumer, JobsConsumer],
      providers: [
        { provide: PAYOUT_CONFIG, useValue: config },
        {
          provide: CALLERS,
          useFactory: () =>
            CallerDirectory.fromFiles({
              tenantsFile: config.tenantsFile,
              operatorsFile: config.operatorCredentialsFile,
              adminKeyHashes: config.adminKeySha256 === undefined ? [] : [config.adminKeySha256],
            }),
        },
        CloseEpochHandler,
        LedgerMetrics,
      ],
    };
  }
}
