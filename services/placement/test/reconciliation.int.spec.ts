// Reconciliation with providers and placement's patience, end to end over gRPC with a real
// PostgreSQL log: a run the provider's heartbeat does not list is requeued (NOT_HELD) and its GPUs
// freed; a run it lists that is not current on it is told to stop; an attempt never started
// within the tier's start timeout is requeued (START_TIMEOUT); a job whose only providers were
// excluded gets them back (JobExclusionRelaxed); a job no provider could ever run fails saying so.
// The policy comes from a file (PLACEMENT_POLICY_FILE) with short patience to keep this quick.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { eventually, PlacementFixture, ProviderClient } from './support/placement-fixture.js';

const BEAT_MS = 300;

describe('placement reconciles with providers and does not let a job wait for ever (PostgreSQL log)', () => {
  const fixture = new PlacementFixture('postgres');
  let address = '';
  const clients: ProviderClient[] = [];
  const provider = (): ProviderClient => {
    const client = new ProviderClient(address);
    clients.push(client);
    return client;
  };
  const eventsOf = async (jobId: string) => (await fixture.jobEvents(jobId)).map((e) => e.type);
  const placement = async (jobId: string, attempt: number) =>
    eventually(async () => {
      const placed = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobPlaced' && e.event.jobPlaced!.attempt === attempt);
      if (!placed) throw new Error(`attempt ${attempt} of ${jobId} not placed yet`);
      return placed.event.jobPlaced!;
    }, 20_000);

  beforeAll(async () => {
    await fixture.setUp();
    const policyFile = fixture.writePolicy({
      version: 'placement-test-patience',
      patience: {
        startTimeoutMs: { TIER_REALTIME: 1_500, TIER_STANDARD: 1_500, TIER_TRAINING: 0, TIER_BATCH: 0 },
        notHeldGraceIntervals: 3,
        relaxExclusionAfterMs: 1_500,
        failUnplaceableAfterMs: 2_000,
      },
    });
    const service = await fixture.startService({
      PLACEMENT_POLICY_FILE: policyFile,
      HEARTBEAT_INTERVAL_MS: String(BEAT_MS),
      SUSPECT_AFTER_MISSED: '20',
      LOST_AFTER_MISSED: '40',
      LIVENESS_CHECK_PERIOD_MS: '200',
      QUEUE_RETRY_PERIOD_MS: '200',
    });
    address = service.address;
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await fixture.tearDown();
  }, 60_000);

  it('requeues a run its provider says it does not hold (NOT_HELD, its GPUs freed) and keeps one it does hold', async () => {
    const dropper = provider();
    const keeper = provider();
    await dropper.register(fixture.operators[0]!, {
      gpus: [{ gpuClass: 'l40s-48g', count: 2, vramGib: 48 }],
      pricePerGpuHourBaseUnits: '100',
    });
    await keeper.register(fixture.operators[1]!, {
      gpus: [{ gpuClass: 'l40s-48g', count: 2, vramGib: 48 }],
      pricePerGpuHourBaseUnits: '900000',
    });
    // The dropper reports it holds nothing, whatever it is given; the keeper lists what it is
    // assigned, until it reports the run finished.
    const keeperFeed = keeper.stream();
    const finished = new Set<string>();
    dropper.holding = [];
    keeper.holding = () =>
      keeperFeed
        .assignments()
        .filter((a) => !finished.has(`${a.jobId}#${a.attempt}`))
        .map((a) => ({ jobId: a.jobId, attempt: a.attempt }));
    dropper.keepBeating(BEAT_MS / 3);
    keeper.keepBeating(BEAT_MS / 3);

    const jobId = await fixture.submitClassifiedJob({
      tier: api.Tier.TIER_BATCH,
      spec: { gpuClass: 'l40s-48g', gpuCount: 2, minVramGib: 40 },
    });
    const first = await placement(jobId, 1);
    expect(first.providerId).toBe(dropper.providerId);
    const second = await placement(jobId, 2);
    expect(second.providerId).toBe(keeper.providerId);
    const requeued = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobRequeued')!.event.jobRequeued!;
    expect(requeued).toMatchObject({
      attempt: 2,
      reason: 'REQUEUE_REASON_NOT_HELD',
      fault: 'FAULT_PROVIDER',
      previousProviderId: dropper.providerId,
      excludedProviderIds: [dropper.providerId],
    });

    // The dropper's two GPUs are free again: another two-GPU job goes there at once.
    const next = await fixture.submitClassifiedJob({
      tier: api.Tier.TIER_BATCH,
      spec: { gpuClass: 'l40s-48g', gpuCount: 2, minVramGib: 40 },
    });
    expect((await placement(next, 1)).providerId).toBe(dropper.providerId);
    dropper.holding = [{ jobId: next, attempt: 1 }];

    // The keeper holds its run: well past the grace it is still placed, and it completes.
    await new Promise((resolve) => setTimeout(resolve, BEAT_MS * 6));
    expect(await eventsOf(jobId)).toEqual(['JobSubmitted', 'JobClassified', 'JobPlaced', 'JobRequeued', 'JobPlaced']);
    await keeper.started(jobId, 2);
    await keeper.completed(jobId, 2);
    finished.add(`${jobId}#2`);
    await eventually(async () => expect((await eventsOf(jobId)).at(-1)).toBe('JobCompleted'));
    keeperFeed.cancel();
  }, 60_000);

  it('tells a provider to stop a run it lists that is not current on it (NOT_CURRENT)', async () => {
    const confused = provider();
    await confused.register(fixture.operators[2]!, { gpus: [{ gpuClass: 'rtx-4090-24g', count: 1, vramGib: 24 }] });
    const feed = confused.stream();
    confused.holding = [{ jobId: 'job-nobody-gave-it', attempt: 1 }];
    confused.keepBeating(BEAT_MS / 3);
    await eventually(() =>
      expect(feed.stops()).toContainEqual({ jobId: 'job-nobody-gave-it', attempt: 1, reason: api.StopReason.STOP_REASON_NOT_CURRENT }),
    );
    // Told once for the run, not at every heartbeat.
    await new Promise((resolve) => setTimeout(resolve, BEAT_MS * 4));
    expect(feed.stops().filter((s) => s.jobId === 'job-nobody-gave-it')).toHaveLength(1);
    feed.cancel();
  }, 30_000);

  it("requeues an attempt its provider never started within the tier's start timeout (START_TIMEOUT) and tells it to stop", async () => {
    const slow = provider();
    const quick = provider();
    await slow.register(fixture.operators[0]!, { gpus: [{ gpuClass: 'a10-24g', count: 1, vramGib: 24 }], advertisedLatencyMs: 1 });
    await quick.register(fixture.operators[1]!, { gpus: [{ gpuClass: 'a10-24g', count: 1, vramGib: 24 }], advertisedLatencyMs: 90 });
    const feed = slow.stream();
    slow.keepBeating(BEAT_MS / 3);
    quick.keepBeating(BEAT_MS / 3);
    const jobId = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_REALTIME, spec: { gpuClass: 'a10-24g', minVramGib: 16 } });
    const first = await placement(jobId, 1);
    const [starter, idler] = first.providerId === slow.providerId ? [quick, slow] : [slow, quick];
    const second = await placement(jobId, 2);
    expect(second.providerId).toBe(starter.providerId);
    await starter.started(jobId, 2);
    const requeued = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobRequeued')!.event.jobRequeued!;
    expect(requeued).toMatchObject({
      reason: 'REQUEUE_REASON_START_TIMEOUT',
      fault: 'FAULT_TIMEOUT',
      previousProviderId: idler.providerId,
    });
    if (idler === slow)
      await eventually(() => expect(feed.stops()).toContainEqual({ jobId, attempt: 1, reason: api.StopReason.STOP_REASON_START_TIMEOUT }));
    await starter.completed(jobId, 2);
    await eventually(async () => expect((await eventsOf(jobId)).at(-1)).toBe('JobCompleted'));
    feed.cancel();
  }, 60_000);

  it('gives a job back the only provider it failed on once it has waited past the policy (JobExclusionRelaxed), and says so', async () => {
    const only = provider();
    await only.register(fixture.operators[2]!, { gpus: [{ gpuClass: 'mi300x-192g', count: 1, vramGib: 192 }] });
    only.keepBeating(BEAT_MS / 3);
    const jobId = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_BATCH, spec: { gpuClass: 'mi300x-192g', minVramGib: 100 } });
    await placement(jobId, 1);
    await only.failed(jobId, 1, { category: api.FailureCategory.FAILURE_CATEGORY_NETWORK });
    const again = await placement(jobId, 2);
    expect(again.providerId).toBe(only.providerId);
    const types = await eventsOf(jobId);
    expect(types.slice(0, 5)).toEqual(['JobSubmitted', 'JobClassified', 'JobPlaced', 'JobRequeued', 'JobQueued']);
    expect(types.slice(-2)).toEqual(['JobExclusionRelaxed', 'JobPlaced']);
    const relaxed = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobExclusionRelaxed')!.event.jobExclusionRelaxed!;
    expect(relaxed).toMatchObject({ jobId, attempt: 2, relaxedProviderIds: [only.providerId] });
    expect(relaxed.reason).toMatch(/only providers it failed on before could take it/);
    expect(again.decision?.excludedProviderIds).toEqual([]);
  }, 60_000);

  it('fails a job no registered provider could ever run once it has waited past the policy, with the reason', async () => {
    const jobId = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_BATCH, spec: { gpuClass: 'tpu-v9-imaginary', minVramGib: 16 } });
    await eventually(async () => expect((await eventsOf(jobId)).at(-1)).toBe('JobFailed'), 20_000);
    const failed = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobFailed')!.event.jobFailed!;
    expect(failed).toMatchObject({ source: 'FAILURE_SOURCE_SYSTEM', fault: 'FAULT_WORKLOAD', retryable: false });
    expect(failed.message).toMatch(/no registered provider can run it/);
  }, 30_000);
});
