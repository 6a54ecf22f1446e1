import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, payoutConfigFromEnv } from './config.js';

const base = { DATABASE_URL: 'postgres://db/x', KAFKA_BROKERS: 'k1:9092, k2:9092' };

describe('payoutConfigFromEnv', () => {
  it('defaults: Kafka when brokers are given, schema payout, group payout, switchyard. topics, nobody admin', () => {
    expect(payoutConfigFromEnv(base)).toMatchObject({
      eventLog: { backend: 'kafka', brokers: ['k1:9092', 'k2:9092'] },
      databaseSchema: 'payout',
      consumerGroup: 'switchyard.payout',
      topicPrefix: 'switchyard.',
      adminKeySha256: undefined,
      grpcUrl: '127.0.0.1:50055',
    });
    expect(payoutConfigFromEnv({ ...base, GRPC_URL: '0.0.0.0:0' }).grpcUrl).toBe('0.0.0.0:0');
  });

  it('needs a database, brokers for Kafka, a plain schema name and a hex admin key hash', () => {
    expect(() => payoutConfigFromEnv({ KAFKA_BROKERS: 'k:1' })).toThrow(ConfigurationError);
    expect(() => payoutConfigFromEnv({ DATABASE_URL: 'postgres://db/x', EVENT_LOG_BACKEND: 'kafka' })).toThrow(/KAFKA_BROKERS/);
    expect(() => payoutConfigFromEnv({ ...base, DATABASE_SCHEMA: 'Payout; drop' })).toThrow(/DATABASE_SCHEMA/);
    expect(() => payoutConfigFromEnv({ ...base, ADMIN_API_KEY_SHA256: 'secret' })).toThrow(/SHA-256/);
    expect(() => payoutConfigFromEnv({ ...base, GRPC_URL: 'payout' })).toThrow(/GRPC_URL must be host:port/);
  });

  it('runs on the PostgreSQL event log without brokers (the same database unless EVENT_LOG_DATABASE_URL)', () => {
    expect(payoutConfigFromEnv({ DATABASE_URL: 'postgres://db/x' }).eventLog).toEqual({
      backend: 'postgres',
      databaseUrl: 'postgres://db/x',
    });
    expect(payoutConfigFromEnv({ ...base, EVENT_LOG_BACKEND: 'postgres', EVENT_LOG_DATABASE_URL: 'postgres://log/y' }).eventLog).toEqual({
      backend: 'postgres',
      databaseUrl: 'postgres://log/y',
    });
  });
});
