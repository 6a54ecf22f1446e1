import { describe, expect, it } from '@jest/globals';
import { intakeConfigFromEnv, withSearchPath } from './config.js';

const base = { DATABASE_URL: 'postgres://u@db:5432/switchyard' };

describe('intakeConfigFromEnv', () => {
  it('defaults: port 50051, schema intake, PostgreSQL log on the same database, prefix switchyard., group switchyard.intake', () => {
    expect(intakeConfigFromEnv(base)).toEqual({
      grpcUrl: '127.0.0.1:50051',
      databaseUrl: base.DATABASE_URL,
      databaseSchema: 'intake',
      eventLog: { backend: 'postgres', databaseUrl: base.DATABASE_URL },
      topicPrefix: 'switchyard.',
      consumerGroup: 'switchyard.intake',
      tenantsFile: undefined,
      watchPollIntervalMs: 1000,
      watchSettlementWaitMs: 30_000,
      submissionLimits: { batchSize: 500, maxWaiting: 4_000 },
    });
  });

  it('reads the SubmitJob batch size and waiting room, and refuses what is not a positive integer', () => {
    expect(
      intakeConfigFromEnv({ ...base, INTAKE_SUBMIT_BATCH_SIZE: '64', INTAKE_MAX_WAITING_SUBMISSIONS: '100' }).submissionLimits,
    ).toEqual({ batchSize: 64, maxWaiting: 100 });
    expect(() => intakeConfigFromEnv({ ...base, INTAKE_MAX_WAITING_SUBMISSIONS: '-1' })).toThrow(
      'INTAKE_MAX_WAITING_SUBMISSIONS must be a positive integer',
    );
  });

  it('uses Kafka when brokers are given, or when asked to', () => {
    expect(intakeConfigFromEnv({ ...base, KAFKA_BROKERS: 'k1:9092, k2:9092' }).eventLog).toEqual({
      backend: 'kafka',
      brokers: ['k1:9092', 'k2:9092'],
    });
    expect(() => intakeConfigFromEnv({ ...base, EVENT_LOG_BACKEND: 'kafka' })).toThrow('KAFKA_BROKERS is required');
  });

  it('refuses a missing database, an unknown backend and a schema name that is not an identifier', () => {
    expect(() => intakeConfigFromEnv({})).toThrow('DATABASE_URL is required');
    expect(() => intakeConfigFromEnv({ ...base, EVENT_LOG_BACKEND: 'redis' })).toThrow('EVENT_LOG_BACKEND must be "kafka" or "postgres"');
    expect(() => intakeConfigFromEnv({ ...base, DATABASE_SCHEMA: 'intake"; drop' })).toThrow('DATABASE_SCHEMA');
  });

  it('reads GRPC_URL as host:port and refuses anything else', () => {
    expect(intakeConfigFromEnv({ ...base, GRPC_URL: '0.0.0.0:0' }).grpcUrl).toBe('0.0.0.0:0');
    expect(() => intakeConfigFromEnv({ ...base, GRPC_URL: 'localhost' })).toThrow('GRPC_URL must be host:port');
  });

  it('sets the search_path of a connection string', () => {
    expect(new URL(withSearchPath(base.DATABASE_URL, 'intake')).searchParams.get('options')).toBe('-c search_path=intake');
  });
});
