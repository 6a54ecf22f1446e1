// A run of job facts applied at once (the batch handler) leaves the same payout_jobs and
// payout_provider_operators rows as the same events applied one by one (the per-event path):
// several jobs interleaved, a gang placement, a start of a stale attempt, a requeued job's new
// placement and start, a start whose job's earlier facts were applied before the run.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import { databaseUrl, uniqueName } from '@switchyard/testing';
import type { DataSource } from 'typeorm';
import { JobsConsumer } from '../src/jobs.consumer.js';
import { openPayoutDatabase } from '../src/persistence/payout-data-source.js';
import { jobEvent, timestamp } from './support/payout-fixture.js';

const at = (minute: number, ms = 0): Date => new Date(Date.UTC(2026, 10, 4, 0, minute, 0, ms));
const logged = (envelope: ReturnType<typeof jobEvent>): LoggedEvent => ({ envelope }) as LoggedEvent;
const ev = (jobId: string, minute: number, event: object): LoggedEvent => logged(jobEvent(jobId, at(minute, 7), event as never));

const GANG = [
  { providerId: 'gpu-b-1', gpuCount: 4 },
  { providerId: 'gpu-b-2', gpuCount: 2 },
];

// Applied before the run: job-c was submitted and placed earlier, its start comes in the run.
const BEFORE = [
  ev('job-c', 0, { jobSubmitted: { jobId: 'job-c', tenantId: 'acme', spec: { maxLatencyMs: 900 } } }),
  ev('job-c', 0, { jobPlaced: { jobId: 'job-c', providerId: 'gpu-c', operatorId: 'op-c', attempt: 3, gangMembers: [] } }),
];

const RUN = [
  ev('job-a', 1, { jobSubmitted: { jobId: 'job-a', tenantId: 'acme', spec: { maxLatencyMs: 5000, deadline: timestamp(at(30, 123)) } } }),
  ev('job-b', 1, { jobSubmitted: { jobId: 'job-b', tenantId: '', spec: { maxLatencyMs: 100 } } }),
  ev('job-a', 2, { jobClassified: { jobId: 'job-a', tier: api.Tier.TIER_STANDARD } }),
  ev('job-b', 2, { jobPlaced: { jobId: 'job-b', providerId: 'gpu-b-1', operatorId: 'op-b', attempt: 1, gangMembers: GANG } }),
  ev('job-c', 3, { jobStarted: { jobId: 'job-c', attempt: 2 } }),
  ev('job-a', 3, {
    jobPlaced: {
      jobId: 'job-a',
      providerId: 'gpu-a',
      operatorId: 'op-a',
      attempt: 1,
      gangMembers: [],
      decision: { tier: api.Tier.TIER_REALTIME, decidedAt: timestamp(at(3, 456)) },
    },
  }),
  ev('job-c', 4, { jobStarted: { jobId: 'job-c', attempt: 3, startedAt: timestamp(at(4, 789)) } }),
  ev('job-b', 4, { jobStarted: { jobId: 'job-b', attempt: 1 } }),
  ev('job-a', 4, { jobStarted: { jobId: 'job-a', attempt: 1 } }),
  // job-b requeued (its JobRequeued is judged outside the run): attempt 2 on another operator's provider.
  ev('job-b', 5, { jobPlaced: { jobId: 'job-b', providerId: 'gpu-b-2', operatorId: 'op-z', attempt: 2, gangMembers: [] } }),
  ev('job-b', 6, { jobStarted: { jobId: 'job-b', attempt: 1 } }),
  ev('job-b', 7, { jobStarted: { jobId: 'job-b', attempt: 2 } }),
  ev('job-unknown', 7, { jobStarted: { jobId: 'job-unknown', attempt: 0 } }),
  // A redelivered start changes nothing more.
  ev('job-a', 4, { jobStarted: { jobId: 'job-a', attempt: 1 } }),
];

describe('job facts: the batch path equals the per-event path', () => {
  const jobs = new JobsConsumer({} as never, {} as never);
  const schemas = [uniqueName('payout_batch'), uniqueName('payout_single')].map((name) => name.replace(/-/g, '_'));
  let batch: DataSource;
  let single: DataSource;

  beforeAll(async () => {
    batch = await openPayoutDatabase(databaseUrl(), schemas[0]!);
    single = await openPayoutDatabase(databaseUrl(), schemas[1]!);
  }, 30_000);

  afterAll(async () => {
    for (const [i, source] of [batch, single].entries()) {
      await source?.query(`DROP SCHEMA IF EXISTS "${schemas[i]}" CASCADE`);
      await source?.destroy();
    }
  });

  const rows = async (source: DataSource) => ({
    jobs: await source.query('SELECT *, deadline::text AS d, placed_at::text AS p, started_at::text AS s FROM payout_jobs ORDER BY job_id'),
    operators: await source.query('SELECT * FROM payout_provider_operators ORDER BY provider_id'),
  });

  it('leaves the same rows', async () => {
    for (const source of [batch, single]) {
      for (const event of BEFORE) await source.transaction((manager) => jobs.applyFacts([event], { manager }));
    }
    await batch.transaction((manager) => jobs.applyFacts(RUN, { manager }));
    for (const event of RUN) await single.transaction((manager) => jobs.applyFacts([event], { manager }));

    const batched = await rows(batch);
    expect(batched).toEqual(await rows(single));
    const byId = Object.fromEntries(batched.jobs.map((row: { job_id: string }) => [row.job_id, row]));
    expect(Object.keys(byId)).toEqual(['job-a', 'job-b', 'job-c']);
    expect(byId['job-a']).toMatchObject({
      tenant_id: 'acme',
      max_latency_ms: 5000,
      deadline: at(30, 123),
      provider_id: 'gpu-a',
      attempt: 1,
      placed_at: at(3, 456),
      started_at: at(4, 7),
      gang_members: {},
    });
    expect(byId['job-a'].tier).toBe(api.Tier.TIER_REALTIME);
    expect(byId['job-b']).toMatchObject({
      tenant_id: null,
      provider_id: 'gpu-b-2',
      attempt: 2,
      started_at: at(7, 7),
      gang_members: { '1': GANG },
    });
    expect(byId['job-c']).toMatchObject({ attempt: 3, started_at: at(4, 789), max_latency_ms: 900 });
    expect(batched.operators).toEqual([
      { provider_id: 'gpu-a', operator_id: 'op-a' },
      { provider_id: 'gpu-b-1', operator_id: 'op-b' },
      { provider_id: 'gpu-b-2', operator_id: 'op-z' },
      { provider_id: 'gpu-c', operator_id: 'op-c' },
    ]);
  });
});
