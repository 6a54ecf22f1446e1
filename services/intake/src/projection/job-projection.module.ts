import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobStore } from '../persistence/job-store.js';
import { JobMetrics } from './job-metrics.js';
import { JobProjector } from './job-projector.js';
import { EpochsConsumer } from './epochs.consumer.js';
import { JobsConsumer } from './jobs.consumer.js';
import { SettlementConsumer } from './settlement.consumer.js';

/** The consumers of the jobs, usage and ledger topics, hosted by the event runtime's transport (EventLogServer). */
@Module({})
export class JobProjectionModule {
  static register(dataSource: DataSource): DynamicModule {
    return {
      module: JobProjectionModule,
      controllers: [JobsConsumer, EpochsConsumer, SettlementConsumer],
      providers: [{ provide: DataSource, useValue: dataSource }, JobStore, JobProjector, JobMetrics],
    };
  }
}
