import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import fc from 'fast-check';
import { defaultPlacementPolicy as policy, PLACED_TIERS } from '../placement-policy.js';
import { evolveProviders } from '../registry/evolve-providers.js';
import { freeGpus, operatorShareBp, type ProviderRegistry } from '../registry/provider-registry.js';
import type { RegistryEvent } from '../registry/registry-event.js';
import { capacityChanged, classified, given, registered, request, spec, submitted } from '../scenario.fixtures.js';
import { FILTER_STEPS } from './filter-steps.js';
import { decidePlacement, filterProviders, placeJob } from './place-job.js';
import { CandidateIndex } from './candidate-index.js';
import type { PlacementRequest } from './placement-request.js';
import { rankCandidates } from './score.js';
import { fetchFor, jobInputsOf } from './locality.js';
import { reputationBp } from '../reputation.js';
import type { PlacementPolicy } from '../placement-policy.js';
import { decisionDifferences, rescoreDecision } from './rescore-decision.js';

const HEALTH = [
  api.HealthStatus.HEALTH_STATUS_HEALTHY,
  api.HealthStatus.HEALTH_STATUS_DEGRADED,
  api.HealthStatus.HEALTH_STATUS_DRAINING,
  api.HealthStatus.HEALTH_STATUS_UNHEALTHY,
];

interface ProviderShape {
  operator: string;
  region: string;
  jurisdiction: string;
  gpuClass: string;
  gpus: number;
  vram: number;
  price: string;
  latencyMs: number;
  health: api.HealthStatus;
  reportedInUse: number;
  held: string[];
  ingressMbps: number;
  transferPricePerGb: string;
}

const DIGESTS = ['a', 'b', 'c'].map((c) => `sha256:${c.repeat(64)}`);

const providerFields = {
  operator: fc.constantFrom('op-a', 'op-b', 'op-c'),
  region: fc.constantFrom('eu-west', 'us-east', 'ap-south'),
  jurisdiction: fc.constantFrom('EU', 'US', 'IN'),
  gpuClass: fc.constantFrom('a100-80g', 'l4'),
  gpus: fc.integer({ min: 0, max: 8 }),
  vram: fc.constantFrom(24, 40, 80),
  price: fc.bigInt({ min: 1n, max: 5_000_000n }).map(String),
  latencyMs: fc.integer({ min: 1, max: 400 }),
  health: fc.constantFrom(...HEALTH),
  reportedInUse: fc.integer({ min: 0, max: 8 }),
  held: fc.subarray(DIGESTS),
  ingressMbps: fc.constantFrom(0, 100, 1_000, 10_000),
  transferPricePerGb: fc.constantFrom('0', '20000', '200000'),
};
const providerArb: fc.Arbitrary<ProviderShape> = fc.record(providerFields);

const jobArb = fc.record({
  tier: fc.constantFrom(...PLACED_TIERS),
  gpuClass: fc.constantFrom('a100-80g', 'l4'),
  gpuCount: fc.integer({ min: 1, max: 4 }),
  minVramGib: fc.constantFrom(16, 40, 80),
  maxLatencyMs: fc.constantFrom(0, 50, 200),
  allowedRegions: fc.subarray(['eu-west', 'us-east', 'ap-south']),
  dataResidency: fc.constantFrom('', 'EU', 'US'),
  maxPriceBaseUnits: fc.constantFrom('0', '500000', '5000000'),
  estimatedDurationSeconds: fc.integer({ min: 1, max: 7200 }),
  tenant: fc.constantFrom('tenant-a', 'tenant-b'),
  inputs: fc.subarray(DIGESTS).chain((digests) =>
    fc.tuple(
      ...digests.map((digest) =>
        fc.record({
          digest: fc.constant(digest),
          kind: fc.constant(api.DataKind.DATA_KIND_DATASET),
          sizeBytes: fc.constantFrom('1000000', '5000000000', '200000000000'),
          locality: fc.constantFrom(api.Locality.LOCALITY_PREFERRED, api.Locality.LOCALITY_PREFERRED, api.Locality.LOCALITY_REQUIRED),
        }),
      ),
    ),
  ),
});

function fleetOf(providers: ProviderShape[]): ProviderRegistry {
  const history: RegistryEvent[] = providers.flatMap((p, i) => [
    registered(`p${i}`, p),
    capacityChanged(`p${i}`, p.gpus, p.reportedInUse, p.health),
  ]);
  return given(...history);
}

describe('placeJob (property)', () => {
  it('only chooses providers that pass every filter step, and never overbooks across a stream of jobs', () => {
    fc.assert(
      fc.property(
        fc.array(providerArb, { minLength: 1, maxLength: 10 }),
        fc.array(jobArb, { minLength: 1, maxLength: 12 }),
        (providers, jobs) => {
          let registry = fleetOf(providers);
          jobs.forEach((job, i) => {
            const jobId = `job-${i}`;
            const { tier: _tier, tenant: _tenant, ...constraints } = job;
            const jobSpec = spec(constraints);
            registry = [submitted(jobId, jobSpec, job.tenant), classified(jobId, job.tier)].reduce(evolveProviders, registry);
            const placing = request({ jobId, tenantId: job.tenant, tier: job.tier, spec: jobSpec });
            const decision = placeJob(placing, registry, policy);

            expect(placeJob(placing, registry, policy)).toEqual(decision);
            if (decision.type === 'JobQueued') {
              expect(decision.data.rejections.reduce((n, r) => n + r.count, 0)).toBe(providers.length);
              return;
            }
            const record = decision.data.decision!;
            const chosen = registry.providers.get(decision.data.providerId)!;
            expect(FILTER_STEPS.filter((step) => step.rejects(chosen, placing, policy)).map((s) => s.reason)).toEqual([]);
            expect(freeGpus(chosen, job.gpuClass)).toBeGreaterThanOrEqual(job.gpuCount);
            expect(record.candidatesTotal + record.rejections.reduce((n, r) => n + r.count, 0) + record.providersNotExamined).toBe(
              providers.length,
            );
            expect(decisionDifferences(record, rescoreDecision(record, { jobId, gpuClass: job.gpuClass }, policy))).toEqual([]);

            registry = evolveProviders(registry, { type: 'JobPlaced', data: decision.data });
            for (const provider of registry.providers.values()) {
              const placedTotal = Object.values(provider.placedGpusByClass).reduce((n: number, g) => n + g, 0);
              expect(placedTotal).toBeLessThanOrEqual(provider.totalGpus);
              for (const inventory of provider.gpus) {
                expect(provider.placedGpusByClass[inventory.gpuClass] ?? 0).toBeLessThanOrEqual(inventory.count);
              }
            }
          });
        },
      ),
      { seed: 20250101, numRuns: 300 },
    );
  });
});

// The exhaustive decision the index's walk must reproduce: every provider filtered, the share
// cap applied to the survivors as a set, every survivor ranked, the best `limit` recorded.
function exhaustive(placing: PlacementRequest, registry: ProviderRegistry, limit: PlacementPolicy): string[] {
  const { survivors } = filterProviders([...registry.providers.values()], registry, placing, limit);
  const candidates = survivors.map((p) => ({
    providerId: p.providerId,
    operatorId: p.operatorId,
    factors: {
      region: p.region,
      advertisedLatencyMs: p.advertisedLatencyMs,
      reputationBp: reputationBp(p, limit.reputation),
      pricePerGpuHourBaseUnits: p.pricePerGpuHour.toString(),
      operatorShareBp: operatorShareBp(registry, placing.tenantId, placing.tier, p.operatorId),
      freeGpus: freeGpus(p, placing.spec.gpuClass),
      ...fetchFactors(p),
    },
  }));
  function fetchFactors(p: (typeof survivors)[number]) {
    const fetch = fetchFor(p, jobInputsOf(placing.spec), limit);
    return { fetchBytes: fetch.bytes.toString(), fetchMs: fetch.ms.toString(), transferPriceBaseUnits: fetch.priceBaseUnits.toString() };
  }
  const inputBytes = Number(jobInputsOf(placing.spec).totalBytes);
  return rankCandidates(candidates, { jobId: placing.jobId, tier: placing.tier, gpuClass: placing.spec.gpuClass, inputBytes }, limit)
    .slice(0, limit.recordedCandidatesLimit)
    .map((c) => c.providerId);
}

describe('decidePlacement over the index (property)', () => {
  it('records exactly the best candidates an exhaustive search would, while holdings build up, with inputs held, fetched or required', () => {
    const small: PlacementPolicy = { ...policy, recordedCandidatesLimit: 3 };
    const crowd = fc.array(
      fc.record({ ...providerFields, price: fc.constantFrom('1000000', '1500000', '2000000'), latencyMs: fc.constantFrom(20, 40, 80) }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(crowd, fc.array(jobArb, { minLength: 1, maxLength: 25 }), (providers, jobs) => {
        const registry = fleetOf(providers);
        const index = CandidateIndex.of(registry, small);
        jobs.forEach((job, i) => {
          const jobId = `job-${i}`;
          const { tier: _tier, tenant: _tenant, ...constraints } = job;
          const jobSpec = spec(constraints);
          for (const event of [submitted(jobId, jobSpec, job.tenant), classified(jobId, job.tier)]) evolveProviders(registry, event);
          const placing = request({ jobId, tenantId: job.tenant, tier: job.tier, spec: jobSpec });
          const decision = decidePlacement(placing, registry, index, small);
          const expected = exhaustive(placing, registry, small);
          if (decision.type === 'JobQueued') {
            expect(expected).toEqual([]);
            return;
          }
          const record = decision.data.decision!;
          expect(record.candidates.map((c) => c.providerId)).toEqual(expected);
          expect(record.candidatesTotal + record.rejections.reduce((n, r) => n + r.count, 0) + record.providersNotExamined).toBe(
            providers.length,
          );
          evolveProviders(registry, { type: 'JobPlaced', data: decision.data });
          index.refresh(registry.providers.get(decision.data.providerId));
        });
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });
});
