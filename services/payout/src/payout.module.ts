import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { payoutConfigFromEnv, type PayoutConfig } from './config.js';
import { CallerDirectory } from '@switchyard/access';
import { CloseEpochHandler } from './epochs/close-epoch.handler.js';
import { JobsConsumer } from './jobs.consumer.js';
import { LedgerMetrics } from './ledger-metrics.js';
import { LedgerTopics } from './ledger-topics.js';
import { PayoutGrpcController } from './payout.grpc.controller.js';
import { openPayoutEventLog, PayoutResources } from './payout-resources.js';
import { openPayoutDatabase } from './persistence/payout-data-source.js';
import { CALLERS, EVENT_LOG, PAYOUT_CONFIG } from './tokens.js';
import { UsageConsumer } from './usage.consumer.js';

/** Root module of the payout service: the PayoutService API and the usage and jobs consumers (served by payoutTransports). */
@Module({
  controllers: [PayoutGrpcController, UsageConsumer, JobsConsumer],
  providers: [
    { provide: PAYOUT_CONFIG, useFactory: () => payoutConfigFromEnv() },
    { provide: EVENT_LOG, useFactory: openPayoutEventLog, inject: [PAYOUT_CONFIG] },
    {
      provide: CALLERS,
      useFactory: (config: PayoutConfig) => CallerDirectory.fromFiles({ tenantsFile: config.tenantsFile, operatorsFile: config.operatorCredentialsFile, adminKeyHashes: config.adminKeySha256 === undefined ? [] : [config.adminKeySha256] }),
      inject: [PAYOUT_CONFIG],
    },
    {
      provide: DataSource,
      useFactory: (config: PayoutConfig) => openPayoutDatabase(config.databaseUrl, config.databaseSchema),
      inject: [PAYOUT_CONFIG],
    },
    LedgerTopics,
    CloseEpochHandler,
    PayoutResources,
    LedgerMetrics,
  ],
})
export class PayoutModule {}
