import { describe, expect, it } from '@jest/globals';
import { api, type events } from '@switchyard/contracts/messages';
import { decideHeartbeat } from '../commands/decide-heartbeat.js';
import { decideReport, type ReportInput } from '../commands/decide-report.js';
import { reputationBp } from '../reputation.js';
import { defaultPlacementPolicy as policy, placementPolicy2026, type PlacementPolicy } from '../placement-policy.js';
import { evolveProviders } from '../registry/evolve-providers.js';
import { R, classified, completed, given, placedOn, registered, request, spec, submitted } from '../scenario.fixtures.js';
import { fetchFor, fetchMillis, jobInputsOf } from './locality.js';
import { placeJob, type PlacementDecision } from './place-job.js';
import { decisionDifferences, rescoreDecision } from './rescore-decision.js';

const DATASET = `sha256:${'d'.repeat(64)}`;
const WEIGHTS = `sha256:${'e'.repeat(64)}`;
const GB = 1_000_000_000n;

function placed(decision: PlacementDecision): events.JobPlaced {
  if (decision.type !== 'JobPlaced') throw new Error(`expected JobPlaced, got ${JSON.stringify(decision.data)}`);
  return decision.data;
}

function dataset(bytes: bigint, locality = api.Locality.LOCALITY_PREFERRED): api.DataInput {
  return { digest: DATASET, kind: api.DataKind.DATA_KIND_DATASET, sizeBytes: bytes.toString(), locality };
}

// The holder asks six times the GPU price of the other provider; both fetch at 50,000 per GB.
const fleet = () =>
  given(
    registered('holder', { operator: 'op-holder', price: '6000000', transferPricePerGb: '50000', held: [DATASET] }),
    registered('fetcher', { operator: 'op-fetcher', price: '1000000', transferPricePerGb: '50000' }),
  );

describe('locality', () => {
  it('counts only the bytes a provider lacks, its time at the ingress bandwidth and its price at the transfer rate, rounded up', () => {
    const registry = given(registered('p', { held: [WEIGHTS], ingressMbps: 8_000, transferPricePerGb: '30000' }));
    const inputs = jobInputsOf(spec({ inputs: [dataset(10n * GB + 1n), { ...dataset(4n * GB), digest: WEIGHTS }] }));
    expect(inputs.totalBytes).toBe(14n * GB + 1n);
    // 10 GB + 1 byte at 8 Gbit/s: 10,000 ms and a bit; at 30,000 per GB: 300,000 and a bit.
    expect(fetchFor(registry.providers.get('p')!, inputs, policy)).toEqual({ bytes: 10n * GB + 1n, ms: 10_001n, priceBaseUnits: 300_001n });
    expect(fetchMillis(0n, 100)).toBe(0n);
  });

  it('BATCH: the data holder wins when moving the dataset would cost more than its dearer GPUs', () => {
    const job = placed(placeJob(request({ tier: api.Tier.TIER_BATCH, spec: spec({ inputs: [dataset(500n * GB)] }) }), fleet(), policy));
    expect(job.providerId).toBe('holder');
    const record = job.decision!;
    expect(record.inputBytes).toBe(String(500n * GB));
    const fetcher = record.candidates.find((c) => c.providerId === 'fetcher')!;
    expect(fetcher.factors).toMatchObject({ fetchBytes: String(500n * GB), transferPriceBaseUnits: '25000000' });
    expect(record.candidates.find((c) => c.providerId === 'holder')!.factors).toMatchObject({
      fetchBytes: '0',
      fetchMs: '0',
      transferPriceBaseUnits: '0',
    });
    expect(record.chosenScore!.terms.map((t) => t.factor)).toEqual([
      'latency',
      'reputation',
      'price',
      'operator_share',
      'transfer_time',
      'transfer_price',
    ]);
    expect(record.chosenScore!.terms.find((t) => t.factor === 'transfer_price')).toEqual({
      factor: 'transfer_price',
      normalized: 1,
      weight: 0.35,
      contribution: 0.35,
    });
    // Replay reproduces it from the record alone.
    expect(decisionDifferences(record, rescoreDecision(record, { jobId: job.jobId, gpuClass: 'a100-80g' }, policy))).toEqual([]);
  });

  it('BATCH: the data holder loses when its GPUs cost far more than fetching a small dataset', () => {
    expect(
      placed(placeJob(request({ tier: api.Tier.TIER_BATCH, spec: spec({ inputs: [dataset(10n * GB)] }) }), fleet(), policy)).providerId,
    ).toBe('fetcher');
    expect(
      placed(placeJob(request({ tier: api.Tier.TIER_BATCH, spec: spec({ inputs: [dataset(1_000_000n)] }) }), fleet(), policy)).providerId,
    ).toBe('fetcher');
  });

  it('REALTIME weighs the fetch time, not its price: a cold start at a slow link loses to a warm cache', () => {
    const registry = given(
      registered('warm', { latencyMs: 40, ingressMbps: 100, held: [WEIGHTS] }),
      registered('cold-fast', { latencyMs: 20, ingressMbps: 100, transferPricePerGb: '0' }),
    );
    const weights = { ...dataset(16n * GB), digest: WEIGHTS, kind: api.DataKind.DATA_KIND_MODEL_WEIGHTS };
    const job = placed(placeJob(request({ tier: api.Tier.TIER_REALTIME, spec: spec({ inputs: [weights] }) }), registry, policy));
    expect(job.providerId).toBe('warm');
    const cold = job.decision!.candidates.find((c) => c.providerId === 'cold-fast')!;
    // 16 GB at 100 Mbit/s: 1,280 s; free to fetch, so only the time term tells them apart.
    expect(cold.factors).toMatchObject({ fetchMs: '1280000', transferPriceBaseUnits: '0' });
    expect(cold.score!.terms.find((t) => t.factor === 'transfer_time')!.weight).toBe(0.3);
    // Without inputs the lower latency wins, and the score has no transfer terms.
    const plain = placed(placeJob(request({ tier: api.Tier.TIER_REALTIME }), registry, policy));
    expect(plain.providerId).toBe('cold-fast');
    expect(plain.decision!.chosenScore!.terms).toHaveLength(4);
  });

  it('re-weights locality in a what-if: without the transfer terms the cheap fetcher would have won', () => {
    const job = placed(placeJob(request({ tier: api.Tier.TIER_BATCH, spec: spec({ inputs: [dataset(500n * GB)] }) }), fleet(), policy));
    const noLocality: PlacementPolicy = {
      ...policy,
      version: 'what-if-no-locality',
      tiers: {
        ...policy.tiers,
        [api.Tier.TIER_BATCH]: {
          ...policy.tiers[api.Tier.TIER_BATCH],
          weights: { ...policy.tiers[api.Tier.TIER_BATCH].weights, transferPrice: 0 },
        },
      },
    };
    expect(rescoreDecision(job.decision!, { jobId: job.jobId, gpuClass: 'a100-80g' }, noLocality).chosenProviderId).toBe('fetcher');
    // The policy before locality has no transfer weights at all: same answer.
    expect(rescoreDecision(job.decision!, { jobId: job.jobId, gpuClass: 'a100-80g' }, placementPolicy2026).chosenProviderId).toBe(
      'fetcher',
    );
  });

  it('required: only holders are candidates; with none the job queues saying which input is missing', () => {
    const required = spec({ inputs: [dataset(1_000_000n, api.Locality.LOCALITY_REQUIRED)] });
    const job = placed(placeJob(request({ tier: api.Tier.TIER_REALTIME, spec: required }), fleet(), policy));
    expect(job.providerId).toBe('holder');
    expect(job.decision!.candidatesTotal).toBe(1);
    expect(job.decision!.candidates.map((c) => c.providerId)).toEqual(['holder']);

    const nobody = given(registered('fetcher', { transferPricePerGb: '50000' }), registered('other'));
    const queued = placeJob(request({ spec: required }), nobody, policy);
    expect(queued.type).toBe('JobQueued');
    const data = queued.data as events.JobQueued;
    expect(data.rejections).toEqual([{ reason: R.REJECTION_REASON_INPUT_NOT_HELD, count: 2 }]);
    expect(data.reasons).toEqual([`2 providers not holding the required input ${DATASET}`]);
  });

  it("the operator share cap still applies: locality cannot put more of a tenant's batch work on the holder's operator", () => {
    // tenant-a already runs two BATCH jobs, one at each operator: another at op-holder would be
    // 2 of 3 (above the 40% cap), one at op-fetcher too; add a third operator so the cap bites.
    const registry = [
      registered('third', { operator: 'op-third', price: '1000000', transferPricePerGb: '50000' }),
      submitted('a1'),
      classified('a1', api.Tier.TIER_BATCH),
      placedOn('a1', 'holder', 'op-holder'),
      submitted('a2'),
      classified('a2', api.Tier.TIER_BATCH),
      placedOn('a2', 'fetcher', 'op-fetcher'),
    ].reduce(evolveProviders, fleet());
    const job = placed(
      placeJob(request({ jobId: 'a3', tier: api.Tier.TIER_BATCH, spec: spec({ inputs: [dataset(500n * GB)] }) }), registry, policy),
    );
    expect(job.providerId).toBe('third');
    expect(job.decision!.rejections).toEqual([{ reason: R.REJECTION_REASON_OPERATOR_SHARE_CAP, count: 2 }]);
  });

  it('heartbeats add and evict holdings; the holder index follows, and only real changes are events', () => {
    let registry = given(registered('p', { held: [WEIGHTS] }));
    const beat = (sequence: string, added: string[], evicted: string[]) =>
      decideHeartbeat(registry, {
        providerId: 'p',
        sequence,
        gpusInUse: 0,
        health: api.HealthStatus.HEALTH_STATUS_HEALTHY,
        receivedAtMs: 0,
        addedDigests: added,
        evictedDigests: evicted,
      });
    const first = beat('1', [DATASET, WEIGHTS], []);
    if (first.kind !== 'recorded') throw new Error(first.kind);
    expect(first.events).toMatchObject([{ type: 'ProviderCapacityChanged', data: { addedDigests: [DATASET], evictedDigests: [] } }]);
    registry = first.events.reduce(evolveProviders, registry);
    expect([...registry.inputHolders.get(DATASET)!]).toEqual(['p']);
    expect(beat('2', [], [`sha256:${'f'.repeat(64)}`])).toEqual({ kind: 'recorded', events: [] });
    const evict = beat('3', [], [WEIGHTS]);
    if (evict.kind !== 'recorded') throw new Error(evict.kind);
    registry = evict.events.reduce(evolveProviders, registry);
    expect(registry.inputHolders.has(WEIGHTS)).toBe(false);
    expect([...registry.providers.get('p')!.heldDigests]).toEqual([DATASET]);
    // Re-registration replaces the holdings with its full list.
    registry = evolveProviders(registry, registered('p', { held: [], at: 5 }));
    expect(registry.inputHolders.size).toBe(0);
  });
});

describe('gang fragmentation', () => {
  it('a job needing 8 GPUs on one provider queues saying how large the largest free block is', () => {
    const registry = [submitted('small-1'), classified('small-1', api.Tier.TIER_STANDARD), placedOn('small-1', 'a')].reduce(
      evolveProviders,
      given(registered('a', { gpus: 8 }), registered('b', { gpus: 4 })),
    );
    // small-1 holds one GPU of a's 8 (7 free), b has 4 free: 11 free in all, no block of 8.
    const decision = placeJob(request({ jobId: 'gang', spec: spec({ gpuCount: 8 }) }), registry, policy);
    expect(decision.type).toBe('JobQueued');
    expect((decision.data as events.JobQueued).reasons).toEqual([
      '2 providers without 8 free a100-80g',
      'needs 8 a100-80g on one provider, the largest free block is 7',
    ]);
  });
});

describe('caches that stay honest', () => {
  const OTHER = `sha256:${'a'.repeat(64)}`;
  const withRun = (held: string[]) =>
    [
      submitted('job-1', spec({ inputs: [dataset(20n * GB), { ...dataset(4n * GB), digest: WEIGHTS }] })),
      classified('job-1', api.Tier.TIER_BATCH),
      placedOn('job-1', 'p', 'op-p'),
    ].reduce(evolveProviders, given(registered('p', { operator: 'op-p', held })));
  const completion = (overrides: Partial<ReportInput>): ReportInput => ({
    kind: 'COMPLETED',
    jobId: 'job-1',
    attempt: 1,
    providerId: 'p',
    receivedAtMs: 1_750_000_100_000,
    wasAssigned: true,
    alreadyReported: false,
    resultHash: 'sha256:r',
    reportId: 'report-1',
    ...overrides,
  });
  const eventsOf = (registry: ReturnType<typeof withRun>, input: ReportInput) => {
    const decision = decideReport(registry, input, policy);
    if (decision.kind !== 'applied') throw new Error(decision.kind);
    return decision.events;
  };

  it('a completed run adds the inputs it kept to the holdings, at once; digests that are not inputs of the job are ignored', () => {
    const registry = withRun([]);
    const events = eventsOf(registry, completion({ fetchedDigests: [DATASET, WEIGHTS], cachedDigests: [DATASET, WEIGHTS, OTHER] }));
    expect(events.map((e) => e.type)).toEqual(['JobCompleted', 'ProviderInputsReported']);
    expect(events[1]!.data).toMatchObject({
      providerId: 'p',
      jobId: 'job-1',
      attempt: 1,
      reportId: 'report-1',
      addedDigests: [DATASET, WEIGHTS].sort(),
      misclaimedDigests: [],
    });
    const after = events.reduce(evolveProviders, registry);
    expect([...after.providers.get('p')!.heldDigests].sort()).toEqual([DATASET, WEIGHTS].sort());
    expect([...after.inputHolders.get(DATASET)!]).toEqual(['p']);
    expect(after.providers.get('p')!.track.misclaims).toBe(0);
  });

  it('nothing to say when the run fetched nothing and kept only what it held', () => {
    expect(eventsOf(withRun([DATASET]), completion({ fetchedDigests: [], cachedDigests: [DATASET] })).map((e) => e.type)).toEqual([
      'JobCompleted',
    ]);
  });

  it('a provider that advertised an input yet fetched it is recorded with the evidence and loses reputation', () => {
    const registry = withRun([DATASET]);
    const before = reputationBp(registry.providers.get('p')!, policy.reputation);
    const events = eventsOf(registry, completion({ fetchedDigests: [DATASET], cachedDigests: [] }));
    expect(events[1]).toEqual({
      type: 'ProviderInputsReported',
      data: {
        providerId: 'p',
        jobId: 'job-1',
        attempt: 1,
        reportId: 'report-1',
        addedDigests: [],
        misclaimedDigests: [DATASET],
        reportedAt: expect.anything(),
      },
    });
    const after = events.reduce(evolveProviders, registry);
    const provider = after.providers.get('p')!;
    expect(provider.track).toMatchObject({ completions: 1, misclaims: 1 });
    // It did not hold what it claimed, and kept nothing: no longer a holder.
    expect(provider.heldDigests.has(DATASET)).toBe(false);
    expect(after.inputHolders.has(DATASET)).toBe(false);
    // One completion (+) and one misclaim (weight 2, -) leave it below where it started.
    expect(reputationBp(provider, policy.reputation)).toBeLessThan(before);
    // (The fold changes a registry in place: the honest twin folds its own.)
    const honest = [completed('job-1', 'p')].reduce(evolveProviders, withRun([DATASET])).providers.get('p')!;
    expect(reputationBp(provider, policy.reputation)).toBeLessThan(reputationBp(honest, policy.reputation));
  });

  it('a misclaimed input the run kept stays held', () => {
    const events = eventsOf(withRun([DATASET]), completion({ fetchedDigests: [DATASET], cachedDigests: [DATASET] }));
    expect(events[1]!.data).toMatchObject({ addedDigests: [DATASET], misclaimedDigests: [DATASET] });
    const provider = events.reduce(evolveProviders, withRun([DATASET])).providers.get('p')!;
    expect(provider.heldDigests.has(DATASET)).toBe(true);
    expect(provider.track.misclaims).toBe(1);
  });
});
