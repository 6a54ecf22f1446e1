import { Module, type DynamicModule } from '@nestjs/common';
import { JOBS_TOPIC, JobsConsumer, TIER_POLICY } from './jobs.consumer.js';
import type { TierPolicyWatcher } from './policy/index.js';

/** Root module of the classifier: the jobs consumer, fed the policy in force and the topic. */
@Module({})
export class ClassifierModule {
  static register(resources: { policy: Pick<TierPolicyWatcher, 'current'>; jobsTopic: string }): DynamicModule {
    return {
      module: ClassifierModule,
      controllers: [JobsConsumer],
      providers: [
        { provide: TIER_POLICY, useValue: resources.policy },
        { provide: JOBS_TOPIC, useValue: resources.jobsTopic },
      ],
    };
  }
}
