// Data locality on the running service: providers advertise what they hold, bandwidth and transfer
// price; a BATCH job goes to the data holder when moving its dataset would cost more than the
// holder's dearer GPUs, and to the cheaper provider when the dataset is small; a job that requires
// an input nobody holds queues with the reason and is placed once a heartbeat announces a holder;
// a completion that kept its inputs makes its provider a holder at once, and one that fetched an
// input its provider advertised costs that provider reputation, recorded with the evidence.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServiceError } from '@grpc/grpc-js';
import { api, events } from '@switchyard/contracts';
import { decodeStatusDetails } from '@switchyard/service-host';
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
    await holder.register(fixture.operators[0]!, {
      gpus,
      pricePerGpuHourBaseUnits: '6000000',
      transferPricePerGbBaseUnits: '50000',
      ingressMbps: 10_000,
      heldDigests: [DATASET],
    });
    await fetcher.register(fixture.operators[1]!, {
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
    const registered = (
      await eventually(async () => {
        const found = (await fixture.providerEvents(holder.providerId)).find((e) => e.type === 'ProviderRegistered');
        if (found === undefined) throw new Error('not registered yet');
        return found;
      })
    ).event.providerRegistered!;
    expect(registered).toMatchObject({ heldDigests: [DATASET], ingressMbps: 10_000, transferPricePerGbBaseUnits: '50000' });
  }, 30_000);

  it('BATCH: the holder wins when fetching 500 GB dominates, and loses to the cheaper provider for 10 GB', async () => {
    const big = await fixture.submitClassifiedJob({
      tenantId: 'tenant-big',
      tier: api.Tier.TIER_BATCH,
      spec: { gpuClass, minVramGib: 40, inputs: [dataset(DATASET, 500n * GB)] },
    });
    const small = await fixture.submitClassifiedJob({
      tenantId: 'tenant-small',
      tier: api.Tier.TIER_BATCH,
      spec: { gpuClass, minVramGib: 40, inputs: [dataset(DATASET, 10n * GB)] },
    });
    const bigPlaced = await placedOf(big);
    expect(bigPlaced.providerId).toBe(holder.providerId);
    const record = bigPlaced.decision!;
    expect(record.inputBytes).toBe(String(500n * GB));
    expect(record.chosenScore!.terms.map((t) => t.factor)).toContain('transfer_price');
    const fetcherCandidate = record.candidates.find((c) => c.providerId === fetcher.providerId)!;
    // 500 GB at 50,000 per GB; at 10 Gbit/s, 400 s.
    expect(fetcherCandidate.factors).toMatchObject({
      fetchBytes: String(500n * GB),
      fetchMs: '400000',
      transferPriceBaseUnits: '25000000',
    });
    expect((await placedOf(small)).providerId).toBe(fetcher.providerId);
  }, 60_000);

  it('required: queues while nobody holds the input, then places on the provider whose heartbeat announces it', async () => {
    const jobId = await fixture.submitClassifiedJob({
      tier: api.Tier.TIER_STANDARD,
      spec: { gpuClass, minVramGib: 40, inputs: [dataset(RARE, 1_000_000n, api.Locality.LOCALITY_REQUIRED)] },
    });
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
    const changed = (await fixture.providerEvents(fetcher.providerId)).find((e) => e.type === 'ProviderCapacityChanged')?.event
      .providerCapacityChanged;
    expect(changed).toMatchObject({ addedDigests: [RARE], evictedDigests: [] });
  }, 60_000);

  const reputationOf = (placed: events.JobPlaced, providerId: string): number =>
    placed.decision!.candidates.find((c) => c.providerId === providerId)!.factors!.reputationBp;
  const inputsReported = (providerId: string, jobId: string): Promise<events.ProviderInputsReported> =>
    eventually(async () => {
      const found = (await fixture.providerEvents(providerId)).find(
        (e) => e.type === 'ProviderInputsReported' && e.event.providerInputsReported!.jobId === jobId,
      );
      if (found === undefined) throw new Error(`no ProviderInputsReported for ${jobId} yet`);
      return found.event.providerInputsReported!;
    });

  it('a provider that fetched an input it advertised is recorded with the evidence and loses reputation', async () => {
    const jobId = await fixture.submitClassifiedJob({
      tenantId: 'tenant-liar',
      tier: api.Tier.TIER_BATCH,
      spec: { gpuClass, minVramGib: 40, inputs: [dataset(DATASET, 500n * GB)] },
    });
    const placed = await placedOf(jobId);
    expect(placed.providerId).toBe(holder.providerId);
    // The decision relied on the claim: the holder was not charged a fetch.
    expect(placed.decision!.candidates.find((c) => c.providerId === holder.providerId)!.factors).toMatchObject({ fetchBytes: '0' });
    const before = reputationOf(placed, holder.providerId);
    await holder.started(jobId, placed.attempt);
    await holder.completed(jobId, placed.attempt, `report-${jobId}`, { fetchedDigests: [DATASET], cachedDigests: [] });

    expect(await inputsReported(holder.providerId, jobId)).toMatchObject({
      attempt: placed.attempt,
      reportId: `report-${jobId}`,
      misclaimedDigests: [DATASET],
      addedDigests: [],
    });
    const { rows } = await fixture.db.query<{ misclaims: number; held_digests: string[] }>(
      'SELECT misclaims, held_digests FROM providers WHERE provider_id = $1',
      [holder.providerId],
    );
    expect(rows).toEqual([{ misclaims: 1, held_digests: [] }]);
    // The next decision sees it: a lower reputation, and no longer a holder (it pays the fetch).
    const next = await fixture.submitClassifiedJob({
      tenantId: 'tenant-after',
      tier: api.Tier.TIER_BATCH,
      spec: { gpuClass, minVramGib: 40, inputs: [dataset(DATASET, 500n * GB)] },
    });
    const after = (await placedOf(next)).decision!.candidates.find((c) => c.providerId === holder.providerId)!;
    expect(after.factors!.reputationBp).toBeLessThan(before);
    expect(after.factors).toMatchObject({ fetchBytes: String(500n * GB) });
  }, 60_000);

  it('a completed run that kept its inputs makes its provider a holder at once, before any heartbeat', async () => {
    const FRESH = `sha256:${'7c'.repeat(32)}`;
    const first = await fixture.submitClassifiedJob({
      tenantId: 'tenant-cache',
      tier: api.Tier.TIER_STANDARD,
      spec: { gpuClass, minVramGib: 40, inputs: [dataset(FRESH, 2n * GB)] },
    });
    const placed = await placedOf(first);
    const runner = [holder, fetcher].find((c) => c.providerId === placed.providerId)!;
    await runner.started(first, placed.attempt);
    await runner.completed(first, placed.attempt, `report-${first}`, { fetchedDigests: [FRESH], cachedDigests: [FRESH] });
    expect(await inputsReported(runner.providerId, first)).toMatchObject({ addedDigests: [FRESH], misclaimedDigests: [] });

    const second = await fixture.submitClassifiedJob({
      tenantId: 'tenant-cache',
      tier: api.Tier.TIER_STANDARD,
      spec: { gpuClass, minVramGib: 40, inputs: [dataset(FRESH, 2n * GB, api.Locality.LOCALITY_REQUIRED)] },
    });
    const again = await placedOf(second);
    expect(again.providerId).toBe(runner.providerId);
    expect(again.decision!.candidatesTotal).toBe(1);
  }, 60_000);

  it('refuses a completion whose digests are not content addresses, naming the field', async () => {
    const jobId = await fixture.submitClassifiedJob({
      tenantId: 'tenant-bad',
      tier: api.Tier.TIER_STANDARD,
      spec: { gpuClass, minVramGib: 40 },
    });
    const placed = await placedOf(jobId);
    const runner = [holder, fetcher].find((c) => c.providerId === placed.providerId)!;
    const refused = await runner
      .completed(jobId, placed.attempt, `report-${jobId}`, { cachedDigests: ['not-a-digest'] })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 3 });
    expect(JSON.stringify(decodeStatusDetails(refused as ServiceError))).toContain('cached_digests[0]');
  }, 60_000);
});
