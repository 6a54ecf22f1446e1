import { Module } from '@nestjs/common';
import { KafkaEventLog, PostgresEventLog, type EventLog } from '@switchyard/event-log';
import { DataSource } from 'typeorm';
import { payoutConfigFromEnv, type PayoutConfig } from './config.js';
import { CallerDirectory } from './credentials/callers.js';
import { CloseEpochHandler } from './epochs/close-epoch.handler.js';
import { JobsConsumer } from './jobs.consumer.js';
import { LedgerTopics } from './ledger-topics.js';
import { PayoutGrpcController } from './payout.grpc.controller.js';
import { PayoutRuntime } from './payout-runtime.js';
import { openPayoutDatabase } from './persistence/payout-data-source.js';
import { CALLERS, EVENT_LOG, PAYOUT_CONFIG } from './tokens.js';
import { UsageConsumer } from './usage.consumer.js';

function eventLogOf(config: PayoutConfig): EventLog {
  return config.eventLogBackend === 'kafka'
    ? new KafkaEventLog({ brokers: config.kafkaBrokers, clientId: 'switchyard-payout' })
    : new PostgresEventLog({ connectionString: config.eventLogDatabaseUrl, consumer: { pollIntervalMs: 500 } });
}

/** Root module of the payout service: the PayoutService API, the usage and jobs consumers, the outbox relay. */
@Module({
  controllers: [PayoutGrpcController],
  providers: [
    { provide: PAYOUT_CONFIG, useFactory: () => payoutConfigFromEnv() },
    { provide: EVENT_LOG, useFactory: eventLogOf, inject: [PAYOUT_CONFIG] },
    {
      provide: CALLERS,
      useFactory: (config: PayoutConfig) => CallerDirectory.fromFiles(config.adminKeySha256, config.tenantsFile, config.operatorCredentialsFile),
      inject: [PAYOUT_CONFIG],
    },
    {
      provide: DataSource,
      useFactory: (config: PayoutConfig) => openPayoutDatabase(config.databaseUrl, config.databaseSchema),
      inject: [PAYOUT_CONFIG],
    },
    LedgerTopics,
    UsageConsumer,
    JobsConsumer,
    CloseEpochHandler,
    PayoutRuntime,
  ],
})
export class PayoutModule {}
