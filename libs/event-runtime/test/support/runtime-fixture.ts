// Backends, databases and topics for the runtime's integration tests, isolated per test file.
import { KafkaEventLog, PostgresEventLog, type EventLog } from '@switchyard/event-log';
import { createTestSchema, kafkaBrokers, uniqueName, type TestSchema } from '@switchyard/testing';
import { DataSource } from 'typeorm';
import { eventRuntimeMigrations } from '../../src/index.js';
import { CreateAccounts1764000000100 } from './accounts.js';

import type { Backend } from '@switchyard/testing';
export { BACKENDS } from '@switchyard/testing';
export type { Backend };

/** An event log on `backend`; the PostgreSQL log keeps its tables in `logSchema`. */
export function openEventLog(backend: Backend, logSchemaUrl: string): EventLog {
  return backend === 'kafka'
    ? new KafkaEventLog({ brokers: kafkaBrokers(), clientId: uniqueName('event-runtime-test'), consumer: { sessionTimeoutMs: 6_000 } })
    : new PostgresEventLog({ connectionString: logSchemaUrl, consumer: { pollIntervalMs: 200 } });
}

export async function createTopic(log: EventLog, prefix: string, partitions: number): Promise<string> {
  const topic = uniqueName(prefix);
  await log.admin.createTopics([{ topic, partitions }]);
  return topic;
}

/** A service database: a fresh schema with the runtime's and the accounts migrations applied. */
export async function openServiceDatabase(): Promise<{ schema: TestSchema; dataSource: DataSource }> {
  const schema = await createTestSchema('rt');
  const dataSource = serviceDataSource(schema.url);
  await dataSource.initialize();
  await dataSource.runMigrations();
  return { schema, dataSource };
}

export function serviceDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: [...eventRuntimeMigrations, CreateAccounts1764000000100],
    poolSize: 4,
    logging: false,
  });
}

export { eventually } from '@switchyard/testing';

export const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
