import { Module, type DynamicModule } from '@nestjs/common';
import { topicNames } from '@switchyard/contracts';
import type { ClassifierConfig } from './config.js';
import { JOBS_TOPIC, JobsConsumer } from './jobs.consumer.js';

/**
 * Root module of the classifier: the jobs consumer and the topic it classifies on. The host adds
 * the DataSource, the event log and the tier policy in force (TIER_POLICY, from the watcher).
 */
@Module({})
export class ClassifierModule {
  static register(config: ClassifierConfig): DynamicModule {
    return {
      module: ClassifierModule,
      controllers: [JobsConsumer],
      providers: [{ provide: JOBS_TOPIC, useValue: topicNames(config.topicPrefix).jobs }],
    };
  }
}
