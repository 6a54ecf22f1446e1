// Gangs split over providers through whole scheduler cycles: every member is assigned the job with
// the whole gang, the lead reports for it, members that hold the run are current in
// reconciliation, and an attempt that ends anywhere (the lead's report, a member lost) stops every
// other member; a lost member requeues the whole gang, which is placed again without it.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { defaultPlacementPolicy, freeGpus } from '../domain/index.js';
import { NotFound } from '../rejections.js';
import { Scheduler } from './scheduler.fixtures.js';

const gangSpec = { gpuCount: 8, gangDomain: api.GangDomain.GANG_DOMAIN_OPERATOR_REGION, kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING };
const S = api.StopReason;

describe('a gang split over providers, cycle by cycle', () => {
  let s: Scheduler;
  let a: string;
  let b: string;
  let c: string;
  beforeEach(() => {
    s = new Scheduler();
    a = s.register('a', '1000000', { operatorId: 'op-x' });
    b = s.register('b', '1100000', { operatorId: 'op-x' });
    c = s.register('c', '1200000', { operatorId: 'op-x' });
  });

  const assignments = (jobId: string) => s.stream.filter((i) => i.kind === 'ASSIGN' && i.jobId === jobId);
  const stops = (jobId: string) =>
    s.stream.filter((i) => i.kind === 'STOP' && i.jobId === jobId).map((i) => [i.providerId, i.kind === 'STOP' ? i.reason : undefined]);

  it('assigns every member with the whole gang; the lead reports; completion stops the other member', () => {
    s.submit({ jobId: 'train', spec: gangSpec, tier: api.Tier.TIER_TRAINING });
    const placed = s.eventsOf('train').find((e) => e.jobPlaced)!.jobPlaced!;
    expect(placed.gangMembers).toEqual([
      { providerId: a, gpuCount: 4 },
      { providerId: b, gpuCount: 4 },
    ]);
    expect(assignments('train').map((i) => (i.kind === 'ASSIGN' ? [i.providerId, i.gang] : []))).toEqual([
      [a, { leadProviderId: a, members: placed.gangMembers, gpuCount: 4 }],
      [b, { leadProviderId: a, members: placed.gangMembers, gpuCount: 4 }],
    ]);
    // A member's report is not the gang's: the attempt book knows only the lead's assignment.
    expect(s.report('train', 'STARTED', b).answer).toBeInstanceOf(NotFound);
    expect(s.report('train', 'STARTED').answer).toBe('applied');
    // Both members list the run in their heartbeats: neither is told it is not current.
    s.heartbeat(a, [{ jobId: 'train', attempt: 1 }]);
    s.heartbeat(b, [{ jobId: 'train', attempt: 1 }]);
    expect(stops('train')).toEqual([]);
    s.report('train', 'COMPLETED');
    expect(stops('train')).toEqual([[b, S.STOP_REASON_GANG_ENDED]]);
    for (const id of [a, b, c]) expect(freeGpus(s.state.registry.providers.get(id)!, 'a100-80g')).toBe(4);
  });

  it('a queued gang larger than any provider is decided again when a member frees its GPUs', () => {
    s.submit(
      { jobId: 'first', spec: gangSpec, tier: api.Tier.TIER_TRAINING },
      { jobId: 'second', spec: gangSpec, tier: api.Tier.TIER_TRAINING },
    );
    expect(s.eventsOf('second').map((e) => e.jobQueued?.reasons.at(-1))).toEqual([
      'needs 8 a100-80g in one operator and region, the largest free block is 4',
    ]);
    s.report('first', 'COMPLETED');
    const placed = s.eventsOf('second').find((e) => e.jobPlaced)?.jobPlaced;
    expect(placed?.gangMembers.map((m) => m.gpuCount)).toEqual([4, 4]);
  });

  it('a member lost requeues the whole gang: every other member is stopped, and it is placed again without the lost one', () => {
    s.submit({ jobId: 'train', spec: gangSpec, tier: api.Tier.TIER_TRAINING });
    s.report('train', 'STARTED');
    // a and c keep heartbeating; b falls silent until it is declared lost.
    const { heartbeatIntervalMs, lostAfterMissed } = defaultPlacementPolicy.liveness;
    for (let beat = 0; beat <= lostAfterMissed; beat++) {
      s.nowMs += heartbeatIntervalMs;
      s.heartbeat(a, [{ jobId: 'train', attempt: s.state.registry.jobs.get('train')!.attempt }]);
      s.heartbeat(c);
      s.tick();
    }
    const events = s.eventsOf('train');
    const requeued = events.find((e) => e.jobRequeued)!.jobRequeued!;
    expect([requeued.previousProviderId, requeued.excludedProviderIds, requeued.reason]).toEqual([b, [b], 'REQUEUE_REASON_PROVIDER_LOST']);
    expect(stops('train')).toEqual([
      [a, S.STOP_REASON_REASSIGNED],
      [b, S.STOP_REASON_REASSIGNED],
    ]);
    const again = events.filter((e) => e.jobPlaced).map((e) => e.jobPlaced!);
    expect(again).toHaveLength(2);
    expect(again[1]!.attempt).toBe(2);
    expect(again[1]!.gangMembers.map((m) => m.providerId).sort()).toEqual([a, c].sort());
    expect(s.state.registry.providers.get(b)!.placedGpusByClass['a100-80g']).toBe(0);
  });
});
