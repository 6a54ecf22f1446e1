// The queue end to end: jobs that fit nowhere wait with their reasons, are placed in priority
// order (tier, then age) as capacity arrives and frees, and expire when their deadline passes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { eventually, PlacementFixture, ProviderClient, ts } from './support/placement-fixture.js';

describe('placement queue (PostgreSQL log)', () => {
  const fixture = new PlacementFixture('postgres');
  let address = '';
  const clients: ProviderClient[] = [];

  beforeAll(async () => {
    await fixture.setUp();
    address = (await fixture.startService()).address;
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await fixture.tearDown();
  }, 60_000);

  const placedOf = async (jobId: string): Promise<string | undefined> =>
    (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobPlaced')?.event.jobPlaced?.providerId;

  it('places queued jobs by tier, then age, as one GPU at a time frees', async () => {
    const spec = { gpuClass: 'mi300x-192g', gpuCount: 1, minVramGib: 64 };
    const t0 = Date.now() - 60_000;
    // Submitted oldest first: the BATCH job waited longest, the REALTIME one least.
    const batch = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_BATCH, spec, submittedAt: new Date(t0) });
    const standardOld = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_STANDARD, spec, submittedAt: new Date(t0 + 1000) });
    const standardNew = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_STANDARD, spec, submittedAt: new Date(t0 + 2000) });
    const realtime = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_REALTIME, spec, submittedAt: new Date(t0 + 3000) });
    const all = [batch, standardOld, standardNew, realtime];
    await eventually(async () => {
      for (const jobId of all) {
        const queued = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobQueued');
        expect(queued?.event.jobQueued?.reasons.length).toBeGreaterThan(0);
      }
    });

    const gpu = new ProviderClient(address);
    clients.push(gpu);
    await gpu.register(fixture.operators[0]!, { gpus: [{ gpuClass: 'mi300x-192g', count: 1, vramGib: 192 }] });
    const feed = gpu.stream();
    const order: string[] = [];
    for (let i = 0; i < all.length; i++) {
      const next = await eventually(() => {
        const assignment = feed.assignments()[i];
        if (!assignment) throw new Error(`assignment ${i + 1} not received yet`);
        return assignment;
      });
      order.push(next.jobId);
      // One GPU: nothing else is placed until this job completes.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(feed.assignments()).toHaveLength(i + 1);
      await gpu.completed(next.jobId, next.attempt);
    }
    expect(order).toEqual([realtime, standardOld, standardNew, batch]);
    for (const jobId of all) expect(await placedOf(jobId)).toBe(gpu.providerId);
    feed.cancel();
  }, 60_000);

  it('expires a queued job whose deadline passes before capacity appears, and never places it', async () => {
    const deadline = new Date(Date.now() + 1500);
    const jobId = await fixture.submitClassifiedJob({
      spec: { gpuClass: 'tpu-like-1', gpuCount: 1, minVramGib: 8, deadline: ts(deadline) },
    });
    await eventually(async () =>
      expect((await fixture.jobEvents(jobId)).map((e) => e.type)).toEqual(['JobSubmitted', 'JobClassified', 'JobQueued', 'JobExpired']),
    );
    const expired = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobExpired')!.event.jobExpired!;
    expect(expired).toMatchObject({ jobId, attempt: 1, stateAtExpiry: api.JobState.JOB_STATE_QUEUED });

    const gpu = new ProviderClient(address);
    clients.push(gpu);
    await gpu.register(fixture.operators[1]!, { gpus: [{ gpuClass: 'tpu-like-1', count: 1, vramGib: 16 }] });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await placedOf(jobId)).toBeUndefined();
  }, 30_000);
});
