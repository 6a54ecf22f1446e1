// Data locality on the running service: providers advertise what they hold, bandwidth and transfer
// price; a BATCH job goes to the data holder when moving its dataset would cost more than the
// holder's dearer GPUs, and to the cheaper provider when the dataset is small; a job that requires
// an input nobody holds queues with the reason and is placed once a heartbeat announces a holder.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import { eventually, PlacementFixture, ProviderClient } from './support/placement-fixture.js';

const DATASET = `sha256:${'d'.repeat(64)}`;
const RARE = `sha256:${'0f'.repeat(32)}`;
const GB = 1_000_000_000n;

describe.each(['postgres', 'kafka'] as const)('data locality (%s log)', (backend) => {
  const fixture = new PlacementFixture(backend);
  let address = '';
  const clients: ProviderClient[] = [];
  const gpuClass = 'locality-a100';
  let holder: ProviderClient;
  let fetcher: ProviderClient;

  beforeAll(async () => {
    await fixture.setUp();
    address = (await fixture.startService()).address;
    holder = new ProviderClient(address);
    fetcher = new ProviderClient(address);
    clients.push(holder, fetcher);
    const gpus = [{ gpuClass, count: 4, vramGib: 80 }];
    await holder.register(fixture.operators[0]!, { gpus, pricePerGpuHourBaseUnits: '6000000', transferPricePerGbBaseUnits: '50000', ingressMbps: 10_000, heldDigests: [DATASET] });
    await fetcher.register(fixture.operators[1]!, { gpus, pricePerGpuHourBaseUnits: '1000000', transferPricePerGbBaseUnits: '50000', ingressMbps: 10_000 });
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await fixture.tearDown();
  }, 60_000);

  const dataset = (digest: string, bytes: bigint, locality = api.Locality.LOCALITY_PREFERRED): api.DataInput => ({
    digest,
    kind: api.DataKind.DATA_KIND_DATASET,
    sizeBytes: bytes.toString(),
    locality,
  });
  const placedOf = async (jobId: string): Promise<events.JobPlaced> =>
    eventually(async () => {
      const placed = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobPlaced')?.event.jobPlaced;
      if (placed === undefined) throw new Error(`${jobId} not placed yet`);
      return placed;
    });

  it('records what a provider holds, its bandwidth and transfer price in ProviderRegistered', async () => {
    const registered = (await eventually(async () => {
      const found = (await fixture.providerEvents(holder.providerId)).find((e) => e.type === 'ProviderRegistered');
      if (found === undefined) throw new Error('not registered yet');
      return found;
    })).event.providerRegistered!;
    expect(registered).toMatchObject({ heldDigests: [DATASET], ingressMbps: 10_000, transferPricePerGbBaseUnits: '50000' });
  }, 30_000);

  it('BATCH: the holder wins when fetching 500 GB dominates, and loses to the cheaper provider for 10 GB', async () => {
    const big = await fixture.submitClassifiedJob({ tenantId: 'tenant-big', tier: api.Tier.TIER_BATCH, spec: { gpuClass, minVramGib: 40, inputs: [dataset(DATASET, 500n * GB)] } });
    const small = await fixture.submitClassifiedJob({ tenantId: 'tenant-small', tier: api.Tier.TIER_BATCH, spec: { gpuClass, minVramGib: 40, inputs: [dataset(DATASET, 10n * GB)] } });
    const bigPlaced = await placedOf(big);
    expect(bigPlaced.providerId).toBe(holder.providerId);
    const record = bigPlaced.decision!;
    expect(record.inputBytes).toBe(String(500n * GB));
    expect(record.chosenScore!.terms.map((t) => t.factor)).toContain('transfer_price');
    const fetcherCandidate = record.candidates.find((c) => c.providerId === fetcher.providerId)!;
    // 500 GB at 50,000 per GB; at 10 Gbit/s, 400 s.
    expect(fetcherCandidate.factors).toMatchObject({ fetchBytes: String(500n * GB), fetchMs: '400000', transferPriceBaseUnits: '25000000' });
    expect((await placedOf(small)).providerId).toBe(fetcher.providerId);
  }, 60_000);

  it('required: queues while nobody holds the input, then places on the provider whose heartbeat announces it', async () => {
    const jobId = await fixture.submitClassifiedJob({ tier: api.Tier.TIER_STANDARD, spec: { gpuClass, minVramGib: 40, inputs: [dataset(RARE, 1_000_000n, api.Locality.LOCALITY_REQUIRED)] } });
    const queued = await eventually(async () => {
      const found = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobQueued')?.event.jobQueued;
      if (found === undefined) throw new Error('not queued yet');
      return found;
    });
    expect(queued.rejections).toEqual([{ reason: events.RejectionReason.REJECTION_REASON_INPUT_NOT_HELD, count: 2 }]);
    expect(queued.reasons).toEqual([`2 providers not holding the required input ${RARE}`]);

    await fetcher.heartbeat(0, api.HealthStatus.HEALTH_STATUS_HEALTHY, undefined, { added: [RARE] });
    const placed = await placedOf(jobId);
    expect(placed.providerId).toBe(fetcher.providerId);
    expect(placed.decision!.candidatesTotal).toBe(1);
    const changed = (await fixture.providerEvents(fetcher.providerId)).find((e) => e.type === 'ProviderCapacityChanged')?.event.providerCapacityChanged;
    expect(changed).toMatchObject({ addedDigests: [RARE], evictedDigests: [] });
  }, 60_000);
});
