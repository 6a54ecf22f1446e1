// PostgreSQL-specific guarantees the contract suite cannot see from outside.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createTestSchema, type TestSchema } from '@switchyard/testing';
import pg from 'pg';
import { PostgresEventLog } from '../src/index.js';
import { sampleEvent } from './contract/fixtures.js';

jest.setTimeout(60_000);

describe('PostgreSQL event log: offsets under concurrent appenders', () => {
  let schema: TestSchema;
  const logs: PostgresEventLog[] = [];

  beforeAll(async () => {
    schema = await createTestSchema('event_log_appends');
    for (let i = 0; i < 4; i++) logs.push(new PostgresEventLog({ connectionString: schema.url, poolSize: 3 }));
    await logs[0]!.admin.createTopics([{ topic: 'jobs', partitions: 2 }]);
  });

  afterAll(async () => {
    await Promise.all(logs.map((l) => l.close()));
    await schema.drop();
  });

  it('given four processes appending at once, then each partition has offsets 0..n-1 with no gap or duplicate', async () => {
    await Promise.all(
      logs.flatMap((log, writer) =>
        Array.from({ length: 10 }, (_, round) =>
          log.append('jobs', [sampleEvent(`job-${writer}`, { writer, round }), sampleEvent(`job-${round}`, { writer, round })]),
        ),
      ),
    );
    const db = new pg.Client({ connectionString: schema.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ partition: number; n: string; min: string; max: string; next_offset: string }>(
        `SELECT e.partition, count(*) AS n, min("offset") AS min, max("offset") AS max, p.next_offset
           FROM event_log e JOIN event_log_partitions p USING (topic, partition)
          WHERE topic = 'jobs' GROUP BY e.partition, p.next_offset ORDER BY e.partition`,
      );
      expect(rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(80);
      for (const row of rows) {
        expect(row.min).toBe('0');
        expect(BigInt(row.max)).toBe(BigInt(row.n) - 1n);
        expect(row.next_offset).toBe(row.n);
      }
      // appended_at grows with the offset inside a partition (read-by-time relies on it).
      const { rows: disorder } = await db.query(
        `SELECT 1 FROM (SELECT appended_at, lag(appended_at) OVER (PARTITION BY partition ORDER BY "offset") AS previous
                          FROM event_log WHERE topic = 'jobs') t WHERE appended_at < previous`,
      );
      expect(disorder).toEqual([]);
      await expect(db.query(`UPDATE event_log SET key = 'x' WHERE topic = 'jobs'`)).rejects.toThrow('append-only');
    } finally {
      await db.end();
    }
  });

  it('given an unknown topic, then append fails and stores nothing', async () => {
    await expect(logs[0]!.append('no-such-topic', [sampleEvent('job-1', {})])).rejects.toThrow('unknown topic');
  });
});
