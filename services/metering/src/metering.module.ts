import { Module } from '@nestjs/common';
import type { EventLog } from '@switchyard/event-log';
import { openEventLog } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import { meteringConfigFromEnv, type MeteringConfig } from './config.js';
import { CallerDirectory } from '@switchyard/access';
import { EventLogRuntime } from './event-log-runtime.js';
import { JobsConsumer } from './jobs.consumer.js';
import { openMeteringDatabase } from './persistence/metering-database.js';
import { loadRateCards } from './rate-card/index.js';
import { CALLER_CREDENTIALS, EVENT_LOG, METERING_CONFIG, RATE_CARDS } from './tokens.js';
import { UsageConsumer } from './usage.consumer.js';
import { UsageGrpcController } from './usage.grpc.controller.js';
import { UsageRecorder } from './usage-recorder.js';
import { UsageReport } from './usage-report.js';

/** Root module of the metering service: UsageService over gRPC, the jobs and usage consumers. */
@Module({
  controllers: [UsageGrpcController],
  providers: [
    { provide: METERING_CONFIG, useFactory: () => meteringConfigFromEnv() },
    { provide: RATE_CARDS, inject: [METERING_CONFIG], useFactory: (config: MeteringConfig) => loadRateCards(config.rateCardsFile) },
    {
      provide: CALLER_CREDENTIALS,
      inject: [METERING_CONFIG],
      useFactory: (config: MeteringConfig) =>
        CallerDirectory.fromFiles({ tenantsFile: config.tenantCredentialsFile, operatorsFile: config.operatorCredentialsFile, adminKeyHashes: config.adminApiKeySha256 }),
    },
    { provide: DataSource, inject: [METERING_CONFIG], useFactory: (config: MeteringConfig) => openMeteringDatabase(config.databaseUrl, config.databaseSchema) },
    {
      provide: EVENT_LOG,
      inject: [METERING_CONFIG],
      useFactory: (config: MeteringConfig): EventLog => openEventLog(config.eventLog, `metering-${config.consumerGroup}`),
    },
    UsageRecorder,
    JobsConsumer,
    UsageConsumer,
    EventLogRuntime,
    UsageReport,
  ],
})
export class MeteringModule {}
