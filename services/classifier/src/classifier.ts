// The classifier's one start-up call: its schema (inbox, outbox), the event log, the jobs consumer
// served by the event runtime's transport beside gRPC health, and its extra: the tier policy
// watcher (reloads the policy file while the service runs).
import { eventRuntimeMigrations } from '@switchyard/event-runtime';
import { JsonLogger, startEventService, type RunningEventService, type ServiceResources } from '@switchyard/service-host';
import { ClassifierModule } from './classifier.module.js';
import type { ClassifierConfig } from './config.js';
import { IGNORED_JOB_EVENT_TYPES, TIER_POLICY } from './jobs.consumer.js';
import { TierPolicyWatcher } from './policy/index.js';

export interface StartClassifierOptions {
  /** Exit on SIGTERM/SIGINT (the process's own); off when a test runner hosts the service. */
  readonly handleSignals?: boolean;
}

export function startClassifier(config: ClassifierConfig, options: StartClassifierOptions = {}): Promise<RunningEventService> {
  return startEventService({
    name: 'classifier',
    config,
    module: ClassifierModule.register(config),
    topics: ['jobs'],
    migrations: eventRuntimeMigrations,
    consumers: { groupId: config.consumerGroup, topics: ['jobs'], ignoredTypes: IGNORED_JOB_EVENT_TYPES },
    resources: () => watchTierPolicy(config.policyPath),
    handleSignals: options.handleSignals ?? true,
  });
}

async function watchTierPolicy(path: string): Promise<ServiceResources> {
  const logger = new JsonLogger('classifier');
  const policy = await TierPolicyWatcher.start(path, {
    onReload: (reload) =>
      reload.outcome === 'rejected'
        ? logger.warn(`tier policy reload rejected, keeping ${policy.current.version}: ${reload.error.message}`, 'TierPolicy')
        : logger.log(`tier policy ${reload.outcome}: ${reload.policy.version} (${reload.trigger})`, 'TierPolicy'),
  });
  logger.log(`tier policy ${policy.current.version} from ${path}`, 'TierPolicy');
  return { providers: [{ provide: TIER_POLICY, useValue: policy }], close: () => policy.close() };
}
