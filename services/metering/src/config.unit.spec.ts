import { describe, expect, it } from '@jest/globals';
import { meteringConfigFromEnv } from './config.js';
import { defaultRateCardsPath } from './rate-card/index.js';

describe('meteringConfigFromEnv', () => {
  it('defaults to the PostgreSQL log without brokers, the metering schema, group and shipped rate cards', () => {
    expect(meteringConfigFromEnv({ DATABASE_URL: 'postgres://x/db' })).toMatchObject({
      eventLog: { backend: 'postgres', databaseUrl: 'postgres://x/db' },
      databaseSchema: 'metering',
      consumerGroup: 'switchyard.metering',
      topicPrefix: 'switchyard.',
      rateCardsFile: defaultRateCardsPath,
      tenantCredentialsFile: undefined,
      grpcUrl: '127.0.0.1:50054',
    });
    expect(meteringConfigFromEnv({ DATABASE_URL: 'postgres://x/db', GRPC_URL: '0.0.0.0:0' }).grpcUrl).toBe('0.0.0.0:0');
    expect(meteringConfigFromEnv({ DATABASE_URL: 'postgres://x/db', KAFKA_BROKERS: 'a:1, b:2' })).toMatchObject({
      eventLog: { backend: 'kafka', brokers: ['a:1', 'b:2'] },
    });
  });

  it('names the variable that is missing or malformed', () => {
    expect(() => meteringConfigFromEnv({})).toThrow('DATABASE_URL is required');
    expect(() => meteringConfigFromEnv({ DATABASE_URL: 'x', EVENT_LOG_BACKEND: 'kafka' })).toThrow(/KAFKA_BROKERS is required/);
    expect(() => meteringConfigFromEnv({ DATABASE_URL: 'x', DATABASE_SCHEMA: 'Bad-Name' })).toThrow(/DATABASE_SCHEMA/);
    expect(() => meteringConfigFromEnv({ DATABASE_URL: 'x', ADMIN_API_KEY_SHA256: 'nothex' })).toThrow(/ADMIN_API_KEY_SHA256/);
    expect(() => meteringConfigFromEnv({ DATABASE_URL: 'x', GRPC_URL: 'metering' })).toThrow(/GRPC_URL must be host:port/);
  });
});
