// Each test file gets its own topics, consumer groups and database schema, so test files
// cannot see each other's data and Jest can run them in parallel against one broker/server.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type ITopicConfig } from 'kafkajs';
import pg from 'pg';
import { databaseUrl, kafkaBrokers } from './environment.js';

/** A name no other test file will use: `<prefix>-<12 hex chars>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export interface TestSchema {
  /** The schema's name, e.g. `t_3f9a1c2b7d01`. */
  readonly name: string;
  /** DATABASE_URL with `search_path` set to the schema, for clients that take a URL. */
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a fresh schema in DATABASE_URL's database; `drop()` removes it and everything in it. */
export async function createTestSchema(prefix = 't'): Promise<TestSchema> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl());
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: databaseUrl() });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestTopics {
  /** The unique topic name created for each requested logical name. */
  readonly names: Record<string, string>;
  delete(): Promise<void>;
}

/** Creates uniquely named topics for a test file; keys of the result are the logical names. */
export async function createTestTopics(specs: Record<string, Omit<ITopicConfig, 'topic'>>): Promise<TestTopics> {
  const names = Object.fromEntries(Object.keys(specs).map((logical) => [logical, uniqueName(logical)]));
  const kafka = new Kafka({ clientId: 'switchyard-test-admin', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.entries(specs).map(([logical, spec]) => ({ numPartitions: 1, ...spec, topic: names[logical]! })),
    });
  } finally {
    await admin.disconnect();
  }
  return {
    names,
    async delete() {
      const cleanup = kafka.admin();
      await cleanup.connect();
      try {
        await cleanup.deleteTopics({ topics: Object.values(names) });
      } finally {
        await cleanup.disconnect();
      }
    },
  };
}
