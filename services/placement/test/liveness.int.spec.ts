// Liveness end to end: a provider that stops heartbeating is declared lost, its jobs are requeued
// and placed on another provider (excluding it), its late reports are refused, and it is usable
// again once it heartbeats. Short heartbeat intervals keep the test quick.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { eventually, PlacementFixture, ProviderClient } from './support/placement-fixture.js';

const BEAT_MS = 400;

describe('placement liveness, two instances (PostgreSQL log)', () => {
  const fixture = new PlacementFixture('postgres');
  let address = '';
  const clients: ProviderClient[] = [];
  const provider = (): ProviderClient => {
    const client = new ProviderClient(address);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    await fixture.setUp();
    // Two instances: both run the liveness timer, one sweep at a time applies it.
    const env = {
      HEARTBEAT_INTERVAL_MS: String(BEAT_MS),
      SUSPECT_AFTER_MISSED: '2',
      LOST_AFTER_MISSED: '4',
      LIVENESS_CHECK_PERIOD_MS: '200',
    };
    const [service] = await Promise.all([fixture.startService(env), fixture.startService(env)]);
    address = service!.address;
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await fixture.tearDown();
  }, 60_000);

  it('requeues the jobs of a provider that stops heartbeating onto another provider, refuses its late reports, and takes it back when it returns', async () => {
    const north = provider();
    const south = provider();
    await north.register(fixture.operators[0]!, { gpus: [{ gpuClass: 'a100-80g', count: 2, vramGib: 80 }] });
    await south.register(fixture.operators[1]!, { gpus: [{ gpuClass: 'a100-80g', count: 2, vramGib: 80 }] });
    north.keepBeating(BEAT_MS / 3);
    south.keepBeating(BEAT_MS / 3);
    const feeds = new Map([north, south].map((p) => [p.providerId, p.stream()]));

    const jobId = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_REALTIME });
    const first = await eventually(async () => {
      const placed = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobPlaced');
      if (!placed) throw new Error('not placed yet');
      return placed.event.jobPlaced!;
    });
    const [lost, other] = first.providerId === north.providerId ? [north, south] : [south, north];
    await eventually(() =>
      expect(
        feeds
          .get(lost.providerId)!
          .assignments()
          .map((a) => a.jobId),
      ).toEqual([jobId]),
    );
    await lost.started(jobId, 1);
    lost.stopBeating();

    const second = await eventually(async () => {
      const placed = (await fixture.jobEvents(jobId)).filter((e) => e.type === 'JobPlaced');
      if (placed.length < 2) throw new Error('not placed again yet');
      return placed[1]!.event.jobPlaced!;
    }, 20_000);
    expect(second).toMatchObject({ jobId, attempt: 2, providerId: other.providerId });
    expect(second.decision?.excludedProviderIds).toEqual([lost.providerId]);
    const types = (await fixture.jobEvents(jobId)).map((e) => e.type);
    expect(types).toEqual(['JobSubmitted', 'JobClassified', 'JobPlaced', 'JobStarted', 'JobRequeued', 'JobPlaced']);
    const requeued = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobRequeued')!.event.jobRequeued!;
    expect(requeued).toMatchObject({ attempt: 2, reason: 'REQUEUE_REASON_PROVIDER_LOST', previousProviderId: lost.providerId });

    const providerTypes = (await fixture.providerEvents(lost.providerId)).map((e) => e.type);
    expect(providerTypes.slice(0, 2)).toEqual(['ProviderRegistered', 'ProviderHeartbeatMissed']);
    expect(providerTypes.filter((t) => t === 'ProviderLost')).toHaveLength(1);
    const lostEvent = (await fixture.providerEvents(lost.providerId)).find((e) => e.type === 'ProviderLost')!.event.providerLost!;
    expect(lostEvent.jobIds).toEqual([jobId]);

    await eventually(() =>
      expect(feeds.get(lost.providerId)!.stops()).toEqual([{ jobId, attempt: 1, reason: api.StopReason.STOP_REASON_REASSIGNED }]),
    );
    await eventually(() => expect(feeds.get(other.providerId)!.assignments()).toMatchObject([{ jobId, attempt: 2 }]));
    await expect(lost.completed(jobId, 1)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });

    const capacity = await fixture.db.query('SELECT provider_id, reserved FROM provider_capacity ORDER BY provider_id');
    expect(Object.fromEntries(capacity.rows.map((r: { provider_id: string; reserved: number }) => [r.provider_id, r.reserved]))).toEqual({
      [lost.providerId]: 0,
      [other.providerId]: 1,
    });

    await other.started(jobId, 2);
    await other.completed(jobId, 2);
    lost.keepBeating(BEAT_MS / 3);
    await eventually(async () =>
      expect((await fixture.providerEvents(lost.providerId)).map((e) => e.type).at(-1)).toBe('ProviderRecovered'),
    );
    const again = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_BATCH, spec: { gpuCount: 2 } });
    const third = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_BATCH, spec: { gpuCount: 2 } });
    await eventually(async () => {
      const placedOn = await Promise.all(
        [again, third].map(async (id) => (await fixture.jobEvents(id)).find((e) => e.type === 'JobPlaced')?.event.jobPlaced?.providerId),
      );
      expect(placedOn.sort()).toEqual([north.providerId, south.providerId].sort());
    });
    for (const feed of feeds.values()) feed.cancel();
  }, 60_000);

  it("requeues on a provider-fault failure (whatever the provider's retryable flag) and fails the job on the workload's own failure", async () => {
    const east = provider();
    await east.register(fixture.operators[2]!, { gpus: [{ gpuClass: 'v100-32g', count: 1, vramGib: 32 }] });
    const west = provider();
    await west.register(fixture.operators[0]!, { gpus: [{ gpuClass: 'v100-32g', count: 1, vramGib: 32 }] });
    east.keepBeating(BEAT_MS / 3);
    west.keepBeating(BEAT_MS / 3);
    const jobId = await fixture.submitClassifiedJob({ spec: { gpuClass: 'v100-32g', minVramGib: 16 } });
    const placedOn = async (attempt: number): Promise<ProviderClient> => {
      const placed = await eventually(async () => {
        const found = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobPlaced' && e.event.jobPlaced!.attempt === attempt);
        if (!found) throw new Error(`attempt ${attempt} not placed yet`);
        return found.event.jobPlaced!;
      });
      return placed.providerId === east.providerId ? east : west;
    };
    const firstHolder = await placedOn(1);
    // A hardware failure is the provider's fault: retried elsewhere even though it said not retryable.
    await firstHolder.failed(jobId, 1, { retryable: false });
    await firstHolder.failed(jobId, 1, { retryable: false });
    const secondHolder = await placedOn(2);
    expect(secondHolder.providerId).not.toBe(firstHolder.providerId);
    await secondHolder.failed(jobId, 2, { category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD, retryable: true });
    await eventually(async () =>
      expect((await fixture.jobEvents(jobId)).map((e) => e.type)).toEqual([
        'JobSubmitted',
        'JobClassified',
        'JobPlaced',
        'JobRequeued',
        'JobPlaced',
        'JobFailed',
      ]),
    );
    const failed = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobFailed')!.event.jobFailed!;
    expect(failed).toMatchObject({
      attempt: 2,
      providerId: secondHolder.providerId,
      source: 'FAILURE_SOURCE_PROVIDER',
      fault: 'FAULT_WORKLOAD',
      category: 'FAILURE_CATEGORY_WORKLOAD',
    });
    const requeued = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobRequeued')!.event.jobRequeued!;
    expect(requeued).toMatchObject({
      reason: 'REQUEUE_REASON_PROVIDER_FAILED',
      fault: 'FAULT_PROVIDER',
      category: 'FAILURE_CATEGORY_HARDWARE',
      excludedProviderIds: [firstHolder.providerId],
    });
  }, 60_000);
  it('fails a job for good once its attempts are used up (policy maxAttempts = 3), each attempt on a provider not tried before', async () => {
    const gpus = [provider(), provider(), provider()];
    for (const [i, gpu] of gpus.entries()) {
      await gpu.register(fixture.operators[i]!, { gpus: [{ gpuClass: 'h200-141g', count: 1, vramGib: 141 }] });
      gpu.keepBeating(BEAT_MS / 3);
    }
    const jobId = await fixture.submitClassifiedJob({ spec: { gpuClass: 'h200-141g', minVramGib: 100 } });
    const holders: string[] = [];
    for (const attempt of [1, 2, 3]) {
      const placed = await eventually(async () => {
        const found = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobPlaced' && e.event.jobPlaced!.attempt === attempt);
        if (!found) throw new Error(`attempt ${attempt} not placed yet`);
        return found.event.jobPlaced!;
      });
      holders.push(placed.providerId);
      await gpus.find((g) => g.providerId === placed.providerId)!.failed(jobId, attempt);
    }
    expect(new Set(holders).size).toBe(3);
    await eventually(async () =>
      expect((await fixture.jobEvents(jobId)).map((e) => e.type)).toEqual([
        'JobSubmitted',
        'JobClassified',
        'JobPlaced',
        'JobRequeued',
        'JobPlaced',
        'JobRequeued',
        'JobPlaced',
        'JobFailed',
      ]),
    );
    const failed = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobFailed')!.event.jobFailed!;
    expect(failed).toMatchObject({ attempt: 3, providerId: holders[2], fault: 'FAULT_PROVIDER', category: 'FAILURE_CATEGORY_HARDWARE' });
    expect(failed.message).toMatch(/attempt 3 of 3, attempts exhausted/);
    const capacity = await fixture.db.query('SELECT SUM(reserved)::int AS reserved FROM provider_capacity WHERE gpu_class = $1', [
      'h200-141g',
    ]);
    expect(capacity.rows[0].reserved).toBe(0);
  }, 60_000);
});
