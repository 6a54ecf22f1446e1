import { describe, expect, it } from '@jest/globals';
import { placementConfigFromEnv } from './config.js';

describe('placement configuration', () => {
  const base = { DATABASE_URL: 'postgres://db/x', KAFKA_BROKERS: 'k1:9092, k2:9092' };

  it('defaults the schema, backend, prefix, group and timings', () => {
    expect(placementConfigFromEnv(base)).toMatchObject({
      databaseSchema: 'placement',
      eventLog: { backend: 'kafka', brokers: ['k1:9092', 'k2:9092'] },
      topicPrefix: 'switchyard.',
      consumerGroup: 'switchyard.placement',
      heartbeatIntervalMs: 10_000,
      suspectAfterMissed: undefined,
    });
  });

  it('refuses what it cannot run with, naming the variable', () => {
    expect(() => placementConfigFromEnv({})).toThrow('DATABASE_URL is required');
    expect(() => placementConfigFromEnv({ DATABASE_URL: 'x', EVENT_LOG_BACKEND: 'kafka' })).toThrow(
      'KAFKA_BROKERS is required with EVENT_LOG_BACKEND=kafka',
    );
    expect(() => placementConfigFromEnv({ ...base, EVENT_LOG_BACKEND: 'redis' })).toThrow('EVENT_LOG_BACKEND must be');
    expect(() => placementConfigFromEnv({ ...base, DATABASE_SCHEMA: 'Robert"; drop' })).toThrow('DATABASE_SCHEMA');
    expect(() => placementConfigFromEnv({ ...base, HEARTBEAT_INTERVAL_MS: '0' })).toThrow(
      'HEARTBEAT_INTERVAL_MS must be a positive integer',
    );
  });

  it('needs no brokers for the PostgreSQL log', () => {
    expect(placementConfigFromEnv({ DATABASE_URL: 'x' }).eventLog).toEqual({ backend: 'postgres', databaseUrl: 'x' });
  });
});
