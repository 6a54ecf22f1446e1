// WatchJob's wake-up: a history append committed by any connection wakes the waiters of that
// job at once; without a notification a waiter still wakes after its poll interval.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestSchema, type TestSchema } from '@switchyard/testing';
import pg from 'pg';
import { JOB_HISTORY_CHANNEL } from '../src/persistence/job-store.js';
import { JobHistoryFeed } from '../src/watch/job-history-feed.js';

describe('JobHistoryFeed', () => {
  let schema: TestSchema;
  let feed: JobHistoryFeed;
  let writer: pg.Client;

  beforeAll(async () => {
    schema = await createTestSchema('intake_feed');
    feed = new JobHistoryFeed(schema.url, { warn: () => undefined });
    await feed.start();
    writer = new pg.Client({ connectionString: schema.url });
    await writer.connect();
  });

  afterAll(async () => {
    await writer.end();
    await feed.close();
    await schema.drop();
  });

  const timed = async (promise: Promise<void>): Promise<number> => {
    const start = Date.now();
    await promise;
    return Date.now() - start;
  };

  it('wakes the waiters of a job when an append for it commits, and no one else', async () => {
    const job = feed.wait('job-a', 10_000);
    const other = feed.wait('job-b', 1_500);
    await writer.query('BEGIN');
    await writer.query('SELECT pg_notify($1, $2)', [JOB_HISTORY_CHANNEL, 'job-a']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writer.query('COMMIT');
    expect(await timed(job.promise)).toBeLessThan(2_000);
    expect(await timed(other.promise)).toBeGreaterThan(500);
  });

  it('wakes nobody for a rolled-back append; the poll interval wakes the waiter', async () => {
    const waiter = feed.wait('job-c', 800);
    const started = Date.now();
    await writer.query('BEGIN');
    await writer.query('SELECT pg_notify($1, $2)', [JOB_HISTORY_CHANNEL, 'job-c']);
    await writer.query('ROLLBACK');
    await waiter.promise;
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
  });

  it('cancel resolves a wait at once', async () => {
    const waiter = feed.wait('job-d', 60_000);
    waiter.cancel();
    expect(await timed(waiter.promise)).toBeLessThan(100);
  });
});
