// Pipeline steps on the running service, on both logs: a three-step pipeline whose later steps
// reach the log before the first waits with the reason, then each step runs on the provider that
// produced its input although a cheaper one is free; a failed step fails the steps after it
// (FAILURE_CATEGORY_DEPENDENCY); a step still waiting when placement is SIGKILLed waits on the
// restarted service and is placed when its dependency completes there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import { eventually, PlacementFixture, ProviderClient } from './support/placement-fixture.js';

const GB = 1_000_000_000n;

describe.each(['postgres', 'kafka'] as const)('pipeline steps (%s log)', (backend) => {
  const fixture = new PlacementFixture(backend);
  let address = '';
  const clients: ProviderClient[] = [];
  const gpuClass = 'pipeline-a100';
  let dear: ProviderClient;
  let cheap: ProviderClient;

  beforeAll(async () => {
    await fixture.setUp();
    address = (await fixture.startService()).address;
    dear = new ProviderClient(address);
    cheap = new ProviderClient(address);
    clients.push(dear, cheap);
    const gpus = [{ gpuClass, count: 4, vramGib: 80 }];
    await dear.register(fixture.operators[0]!, {
      region: 'eu-west',
      gpus,
      pricePerGpuHourBaseUnits: '6000000',
      transferPricePerGbBaseUnits: '50000',
      ingressMbps: 10_000,
    });
    await cheap.register(fixture.operators[1]!, {
      region: 'us-east',
      jurisdiction: 'US',
      gpus,
      pricePerGpuHourBaseUnits: '1000000',
      transferPricePerGbBaseUnits: '50000',
      ingressMbps: 10_000,
    });
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await fixture.tearDown();
  }, 60_000);

  const step = (dependsOn: { jobId: string; bytes: bigint }[], extra: Partial<api.JobSpec> = {}): Partial<api.JobSpec> => ({
    gpuClass,
    minVramGib: 40,
    kind: api.WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP,
    dependsOn: dependsOn.map((d) => ({ jobId: d.jobId, outputSizeBytes: d.bytes.toString() })),
    ...extra,
  });
  const eventOf = async <K extends keyof events.JobEvent>(jobId: string, member: K): Promise<NonNullable<events.JobEvent[K]>> =>
    eventually(async () => {
      const found = (await fixture.jobEvents(jobId)).map((e) => e.event[member]).find((e) => e !== undefined);
      if (found === undefined) throw new Error(`${jobId}: no ${String(member)} yet`);
      return found as NonNullable<events.JobEvent[K]>;
    });
  const run = async (provider: ProviderClient, jobId: string, attempt: number): Promise<void> => {
    await provider.started(jobId, attempt);
    await provider.completed(jobId, attempt);
  };

  it('runs three steps in order, each where its input is, whatever order they reached the log in', async () => {
    const tenantId = 'tenant-pipeline';
    const first = `first-${backend}-${Date.now()}`;
    const second = `second-${backend}-${Date.now()}`;
    const third = `third-${backend}-${Date.now()}`;
    // The later steps first: placement meets them before the job they wait for.
    await fixture.submitClassifiedJob({
      jobId: third,
      tenantId,
      tier: api.Tier.TIER_BATCH,
      spec: step([{ jobId: second, bytes: 300n * GB }]),
    });
    await fixture.submitClassifiedJob({
      jobId: second,
      tenantId,
      tier: api.Tier.TIER_BATCH,
      spec: step([{ jobId: first, bytes: 300n * GB }]),
    });
    // The first step must run in eu-west (its source data's region): on the dearer provider.
    await fixture.submitClassifiedJob({
      jobId: first,
      tenantId,
      tier: api.Tier.TIER_BATCH,
      spec: step([], { allowedRegions: ['eu-west'] }),
    });

    for (const [jobId, waitsFor] of [
      [second, first],
      [third, second],
    ] as const) {
      const queued = await eventOf(jobId, 'jobQueued');
      expect(queued.reasons).toEqual([`waits for 1 job it depends on to complete: ${waitsFor}`]);
      expect(queued.rejections).toEqual([]);
    }
    const placedFirst = await eventOf(first, 'jobPlaced');
    expect(placedFirst.providerId).toBe(dear.providerId);
    expect((await fixture.jobEvents(second)).some((e) => e.type === 'JobPlaced')).toBe(false);

    await run(dear, first, placedFirst.attempt);
    const placedSecond = await eventOf(second, 'jobPlaced');
    // 300 GB of output on the dearer provider outweighs the cheaper GPUs elsewhere; the record says so.
    expect(placedSecond.providerId).toBe(dear.providerId);
    const candidates = placedSecond.decision!.candidates;
    expect(candidates.find((c) => c.providerId === dear.providerId)!.factors).toMatchObject({ fetchBytes: '0' });
    expect(candidates.find((c) => c.providerId === cheap.providerId)!.factors).toMatchObject({
      fetchBytes: String(300n * GB),
      fetchMs: '240000',
    });
    expect(placedSecond.decision!.inputBytes).toBe(String(300n * GB));
    expect((await fixture.jobEvents(third)).some((e) => e.type === 'JobPlaced')).toBe(false);

    await run(dear, second, placedSecond.attempt);
    const placedThird = await eventOf(third, 'jobPlaced');
    expect(placedThird.providerId).toBe(dear.providerId);
    await run(dear, third, placedThird.attempt);
    await eventOf(third, 'jobCompleted');
  }, 90_000);

  it('fails the steps after a step that failed, naming it', async () => {
    const tenantId = 'tenant-broken';
    const extract = `extract-${backend}-${Date.now()}`;
    await fixture.submitClassifiedJob({ jobId: extract, tenantId, tier: api.Tier.TIER_BATCH, spec: step([]) });
    const transform = await fixture.submitClassifiedJob({
      tenantId,
      tier: api.Tier.TIER_BATCH,
      spec: step([{ jobId: extract, bytes: 0n }]),
    });
    const load = await fixture.submitClassifiedJob({ tenantId, tier: api.Tier.TIER_BATCH, spec: step([{ jobId: transform, bytes: 0n }]) });
    await eventOf(load, 'jobQueued');
    const placed = await eventOf(extract, 'jobPlaced');
    const runner = [dear, cheap].find((c) => c.providerId === placed.providerId)!;
    await runner.started(extract, placed.attempt);
    await runner.failed(extract, placed.attempt, { category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD, retryable: false });

    for (const [jobId, dependency] of [
      [transform, extract],
      [load, transform],
    ] as const) {
      const failed = await eventOf(jobId, 'jobFailed');
      expect(failed).toMatchObject({
        category: api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY,
        source: events.FailureSource.FAILURE_SOURCE_SYSTEM,
        fault: events.Fault.FAULT_WORKLOAD,
        providerId: '',
        message: `job ${dependency}, which it depends on, ended FAILED instead of completing`,
      });
    }
    // A step submitted after its dependency failed fails at once.
    const late = await fixture.submitClassifiedJob({ tenantId, tier: api.Tier.TIER_BATCH, spec: step([{ jobId: extract, bytes: 0n }]) });
    expect((await eventOf(late, 'jobFailed')).category).toBe(api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY);
    expect((await fixture.jobEvents(late)).some((e) => e.type === 'JobPlaced')).toBe(false);
  }, 90_000);

  it('a waiting step survives placement being SIGKILLed and is placed when its dependency completes on the new process', async () => {
    const tenantId = 'tenant-restart';
    const upstream = await fixture.submitClassifiedJob({
      tenantId,
      tier: api.Tier.TIER_BATCH,
      spec: step([], { allowedRegions: ['eu-west'] }),
    });
    const downstream = await fixture.submitClassifiedJob({
      tenantId,
      tier: api.Tier.TIER_BATCH,
      spec: step([{ jobId: upstream, bytes: 300n * GB }]),
    });
    await eventOf(downstream, 'jobQueued');
    const placed = await eventOf(upstream, 'jobPlaced');

    await fixture.services.at(-1)!.kill();
    const restarted = await fixture.startService();
    // The same provider, talking to the new process.
    const moved = new ProviderClient(restarted.address);
    moved.providerId = dear.providerId;
    moved.token = dear.token;
    clients.push(moved);
    await eventually(async () => {
      await moved.started(upstream, placed.attempt);
    }, 30_000);
    await moved.completed(upstream, placed.attempt);
    const next = await eventOf(downstream, 'jobPlaced');
    expect(next.providerId).toBe(dear.providerId);
    expect((await fixture.jobEvents(downstream)).filter((e) => e.type === 'JobQueued')).toHaveLength(1);
  }, 120_000);
});
