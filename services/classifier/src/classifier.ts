// Composition root: the policy watcher, the classifier's schema (inbox, outbox), the event log,
// and the jobs consumer served by the event runtime's transport beside gRPC health.
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { topicNames, topicProvisioning } from '@switchyard/contracts';
import {
  EventLogServer,
  eventRuntimeMigrations,
  openEventLog,
  openServiceDatabase,
  serviceEnvironment,
} from '@switchyard/event-runtime';
import { JsonLogger, startGrpcService, type RunningGrpcService } from '@switchyard/service-host';
import { ClassifierModule } from './classifier.module.js';
import { IGNORED_JOB_EVENT_TYPES } from './jobs.consumer.js';
import { TierPolicyWatcher, defaultTierPolicyPath } from './policy/index.js';

export interface ClassifierSettings {
  readonly grpcUrl: string;
  readonly policyPath: string;
  readonly consumerGroup: string;
  readonly handleSignals?: boolean;
}

export function classifierSettingsFromEnv(env: NodeJS.ProcessEnv): ClassifierSettings {
  return {
    grpcUrl: env.GRPC_URL ?? '127.0.0.1:50052',
    policyPath: env.TIER_POLICY_FILE || defaultTierPolicyPath,
    consumerGroup: env.CLASSIFIER_CONSUMER_GROUP || 'switchyard.classifier',
  };
}

export async function startClassifier(settings: ClassifierSettings, env: NodeJS.ProcessEnv = process.env): Promise<RunningGrpcService> {
  const logger = new JsonLogger('classifier');
  const environment = serviceEnvironment(env, 'classifier');
  const policy = await TierPolicyWatcher.start(settings.policyPath, {
    onReload: (reload) =>
      reload.outcome === 'rejected'
        ? logger.warn(`tier policy reload rejected, keeping ${policy.current.version}: ${reload.error.message}`, 'TierPolicy')
        : logger.log(`tier policy ${reload.outcome}: ${reload.policy.version} (${reload.trigger})`, 'TierPolicy'),
  });
  logger.log(`tier policy ${policy.current.version} from ${settings.policyPath}`, 'TierPolicy');
  const dataSource = await openServiceDatabase(environment, { migrations: eventRuntimeMigrations });
  const eventLog = openEventLog(environment.eventLog, 'switchyard-classifier');
  const jobsTopic = topicNames(environment.topicPrefix).jobs;
  await eventLog.admin.createTopics(topicProvisioning(environment.topicPrefix, ['jobs']));

  return startGrpcService({
    name: 'classifier',
    module: rootModule(ClassifierModule.register({ policy, jobsTopic }), async () => {
      policy.close();
      await eventLog.close();
      await dataSource.destroy();
    }),
    url: settings.grpcUrl,
    handleSignals: settings.handleSignals ?? true,
    transports: () => [
      new EventLogServer({
        eventLog,
        dataSource,
        groupId: settings.consumerGroup,
        topics: [jobsTopic],
        ignoredTypes: IGNORED_JOB_EVENT_TYPES,
      }),
    ],
  });
}

/** A root module importing the configured one, closing the connections after the app stopped. */
function rootModule(configured: DynamicModule, close: () => Promise<void>): Type<unknown> {
  class ClassifierRootModule {
    async onApplicationShutdown(): Promise<void> {
      await close();
    }
  }
  Module({ imports: [configured] })(ClassifierRootModule);
  return ClassifierRootModule;
}
