import { describe, expect, it } from '@jest/globals';
import { classifierConfigFromEnv } from './config.js';
import { defaultTierPolicyPath } from './policy/index.js';

const base = { DATABASE_URL: 'postgres://u@db:5432/switchyard' };

describe('classifierConfigFromEnv', () => {
  it('defaults: port 50052, schema classifier, PostgreSQL log on the same database, the shipped tier policy, group switchyard.classifier', () => {
    expect(classifierConfigFromEnv(base)).toEqual({
      grpcUrl: '127.0.0.1:50052',
      databaseUrl: base.DATABASE_URL,
      databaseSchema: 'classifier',
      eventLog: { backend: 'postgres', databaseUrl: base.DATABASE_URL },
      topicPrefix: 'switchyard.',
      policyPath: defaultTierPolicyPath,
      consumerGroup: 'switchyard.classifier',
    });
  });

  it('reads GRPC_URL, TIER_POLICY_FILE and CLASSIFIER_CONSUMER_GROUP', () => {
    expect(
      classifierConfigFromEnv({ ...base, GRPC_URL: '0.0.0.0:0', TIER_POLICY_FILE: '/etc/tiers.yaml', CLASSIFIER_CONSUMER_GROUP: 'g' }),
    ).toMatchObject({ grpcUrl: '0.0.0.0:0', policyPath: '/etc/tiers.yaml', consumerGroup: 'g' });
  });

  it('refuses a missing database and a listen address that is not host:port', () => {
    expect(() => classifierConfigFromEnv({})).toThrow('DATABASE_URL is required');
    expect(() => classifierConfigFromEnv({ ...base, GRPC_URL: '50052' })).toThrow('GRPC_URL must be host:port');
  });
});
