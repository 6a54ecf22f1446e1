// Gangs split over providers (GANG_DOMAIN_OPERATOR_REGION): all-or-nothing in one decision, over
// one operator's providers in one region, never in halves; the fold holds the GPUs of every member
// and gives them all back when any member is lost.
import { describe, expect, it } from '@jest/globals';
import { api, type events } from '@switchyard/contracts/messages';
import { requeueAfterLoss } from '../liveness/requeue.js';
import { defaultPlacementPolicy as policy } from '../placement-policy.js';
import { evolveProviders } from '../registry/evolve-providers.js';
import { freeGpus, jobsHeldBy, type ProviderRegistry } from '../registry/provider-registry.js';
import type { RegistryEvent } from '../registry/registry-event.js';
import { R, classified, given, lost, registered, request, spec, submitted } from '../scenario.fixtures.js';
import { placeJob, type PlacementDecision } from './place-job.js';

const SPANNING = api.GangDomain.GANG_DOMAIN_OPERATOR_REGION;
const gang = (gpuCount: number, gangDomain = SPANNING) => spec({ gpuCount, gangDomain, kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING });

function placed(decision: PlacementDecision): events.JobPlaced {
  if (decision.type !== 'JobPlaced') throw new Error(`expected JobPlaced, got ${JSON.stringify(decision.data)}`);
  return decision.data;
}

function queuedReasons(decision: PlacementDecision): string[] {
  if (decision.type !== 'JobQueued') throw new Error(`expected JobQueued, got JobPlaced on ${decision.data.providerId}`);
  return decision.data.reasons;
}

/** Decides the job and, when placed, folds its submission, classification and placement in. */
function decideAndApply(registry: ProviderRegistry, jobId: string, jobSpec: api.JobSpec): PlacementDecision {
  const decision = placeJob(request({ jobId, spec: jobSpec, tier: api.Tier.TIER_TRAINING }), registry, policy);
  const history: RegistryEvent[] = [submitted(jobId, jobSpec), classified(jobId, api.Tier.TIER_TRAINING)];
  if (decision.type === 'JobPlaced') history.push({ type: 'JobPlaced', data: decision.data });
  history.reduce(evolveProviders, registry);
  return decision;
}

describe('a gang split over providers', () => {
  // op-x has 4 + 4 free in eu-west and 4 in us-east; op-y has 6 in eu-west.
  const fleet = () =>
    given(
      registered('x1', { operator: 'op-x', gpus: 4, price: '1000000' }),
      registered('x2', { operator: 'op-x', gpus: 4, price: '1100000' }),
      registered('x3', { operator: 'op-x', gpus: 4, region: 'us-east' }),
      registered('y1', { operator: 'op-y', gpus: 6, price: '900000' }),
    );

  it('is placed on one operator and region, all of its GPUs in one decision, the best candidate leading', () => {
    const registry = fleet();
    const data = placed(decideAndApply(registry, 'train', gang(8)));
    expect(data.providerId).toBe('x1');
    expect(data.gangMembers).toEqual([
      { providerId: 'x1', gpuCount: 4 },
      { providerId: 'x2', gpuCount: 4 },
    ]);
    // y1 (cheapest, but 6 alone) and x3 (another region) cannot complete it: rejected, and said so.
    expect(data.decision!.rejections).toEqual([{ reason: R.REJECTION_REASON_GANG_DOMAIN_TOO_SMALL, count: 2 }]);
    expect(data.decision!.candidates.map((c) => c.providerId).sort()).toEqual(['x1', 'x2']);
    // The fold holds the GPUs on both members, and each member holds the job.
    expect([freeGpus(registry.providers.get('x1')!, 'a100-80g'), freeGpus(registry.providers.get('x2')!, 'a100-80g')]).toEqual([0, 0]);
    expect([jobsHeldBy(registry, 'x1'), jobsHeldBy(registry, 'x2')]).toEqual([['train'], ['train']]);
  });

  it('needs no split when one provider has every GPU: one provider, no members listed', () => {
    const data = placed(decideAndApply(fleet(), 'small', gang(6)));
    expect(data.providerId).toBe('y1');
    expect(data.gangMembers).toEqual([]);
  });

  it('queues, saying how large the largest block in one operator and region is, rather than take part of a domain', () => {
    const registry = given(
      registered('x1', { operator: 'op-x', gpus: 4 }),
      registered('x3', { operator: 'op-x', gpus: 4, region: 'us-east' }),
    );
    expect(queuedReasons(placeJob(request({ spec: gang(8), tier: api.Tier.TIER_TRAINING }), registry, policy))).toEqual([
      "2 providers whose operator's providers in their region have fewer than 8 free a100-80g together",
      'needs 8 a100-80g in one operator and region, the largest free block is 4',
    ]);
  });

  it('two gangs that cannot both fit never hold halves: the first takes the domain whole, the second waits with no GPU held', () => {
    const registry = given(registered('x1', { operator: 'op-x', gpus: 4 }), registered('x2', { operator: 'op-x', gpus: 4 }));
    expect(placed(decideAndApply(registry, 'gang-a', gang(8))).gangMembers.map((m) => m.gpuCount)).toEqual([4, 4]);
    expect(queuedReasons(decideAndApply(registry, 'gang-b', gang(8)))).toEqual([
      '2 providers without 1 free a100-80g',
      'needs 8 a100-80g in one operator and region, no domain has one free',
    ]);
    expect([...registry.heldBy.values()].map((jobs) => [...jobs])).toEqual([['gang-a'], ['gang-a']]);
  });

  it('on one provider (the default), the same fleet cannot take it', () => {
    const registry = given(registered('x1', { operator: 'op-x', gpus: 4 }), registered('x2', { operator: 'op-x', gpus: 4 }));
    expect(
      queuedReasons(
        placeJob(request({ spec: gang(8, api.GangDomain.GANG_DOMAIN_UNSPECIFIED), tier: api.Tier.TIER_TRAINING }), registry, policy),
      ),
    ).toEqual(['2 providers without 8 free a100-80g', 'needs 8 a100-80g on one provider, the largest free block is 4']);
  });

  it('losing any member requeues the whole gang with that member excluded, and every member gets its GPUs back', () => {
    const registry = fleet();
    placed(decideAndApply(registry, 'train', gang(8)));
    const loss = lost('x2', jobsHeldBy(registry, 'x2'));
    expect(loss.type === 'ProviderLost' && loss.data.jobIds).toEqual(['train']);
    const outcomes = requeueAfterLoss((loss as Extract<RegistryEvent, { type: 'ProviderLost' }>).data, registry, policy);
    expect(outcomes).toHaveLength(1);
    const requeued = outcomes[0]!;
    expect(requeued.type).toBe('JobRequeued');
    expect(requeued.type === 'JobRequeued' && [requeued.data.previousProviderId, requeued.data.excludedProviderIds]).toEqual([
      'x2',
      ['x2'],
    ]);
    [loss, requeued as RegistryEvent].reduce(evolveProviders, registry);
    expect(freeGpus(registry.providers.get('x1')!, 'a100-80g')).toBe(4);
    expect(registry.providers.get('x2')!.placedGpusByClass['a100-80g']).toBe(0);
    expect(registry.heldBy.size).toBe(0);
    expect(registry.jobs.get('train')).toMatchObject({ state: 'REQUEUED', gangMembers: [], providerId: undefined });
  });
});
