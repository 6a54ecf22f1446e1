// The classifier's configuration, read once from the environment by main.ts (docs/classifier.md).
import { grpcUrlFromEnv, serviceEnvironment, type EventServiceConfig } from '@switchyard/service-host';
import { defaultTierPolicyPath } from './policy/index.js';

export interface ClassifierConfig extends EventServiceConfig {
  /** The tier policy file (TIER_POLICY_FILE), watched and reloaded while the service runs. */
  readonly policyPath: string;
  /** Consumer group of the jobs topic. */
  readonly consumerGroup: string;
}

export const DEFAULT_CLASSIFIER_GRPC_URL = '127.0.0.1:50052';

/** The shared service variables (serviceEnvironment: database, schema `classifier`, event log, prefix), GRPC_URL and the classifier's own. */
export function classifierConfigFromEnv(env: NodeJS.ProcessEnv): ClassifierConfig {
  return {
    ...serviceEnvironment(env, 'classifier'),
    grpcUrl: grpcUrlFromEnv(env, DEFAULT_CLASSIFIER_GRPC_URL),
    policyPath: env.TIER_POLICY_FILE || defaultTierPolicyPath,
    consumerGroup: env.CLASSIFIER_CONSUMER_GROUP || 'switchyard.classifier',
  };
}
