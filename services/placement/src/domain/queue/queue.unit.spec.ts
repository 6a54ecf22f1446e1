import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import { defaultPlacementPolicy as policy } from '../placement-policy.js';
import { at, classified, given, placedOn, registered, spec, submitted } from '../scenario.fixtures.js';
import { expireJobs } from './expire-jobs.js';
import { waitingJobs } from './job-queue.js';
import { nothingTouched, PlacementState } from '../scheduler/placement-state.js';
import { schedule } from '../scheduler/schedule.js';

const job = (jobId: string, tier: Parameters<typeof classified>[1], submittedAtSeconds: number, gpuCount = 1) => [
  submitted(jobId, spec({ gpuCount }), 'tenant-a', submittedAtSeconds),
  classified(jobId, tier, submittedAtSeconds),
];

describe('the queue', () => {
  it('orders waiting jobs by tier (REALTIME, STANDARD, TRAINING, BATCH), then by age', () => {
    const registry = given(
      ...job('batch-old', api.Tier.TIER_BATCH, 1),
      ...job('realtime-new', api.Tier.TIER_REALTIME, 50),
      ...job('training', api.Tier.TIER_TRAINING, 5),
      ...job('standard-new', api.Tier.TIER_STANDARD, 40),
      ...job('standard-old', api.Tier.TIER_STANDARD, 10),
      ...job('realtime-old', api.Tier.TIER_REALTIME, 20),
    );
    expect(waitingJobs(registry).map((j) => j.jobId)).toEqual([
      'realtime-old',
      'realtime-new',
      'standard-old',
      'standard-new',
      'training',
      'batch-old',
    ]);
  });

  it('places waiting jobs in order when capacity arrives, never handing out the same GPUs twice', () => {
    const waiting = given(
      ...job('batch-old', api.Tier.TIER_BATCH, 1, 2),
      ...job('realtime-new', api.Tier.TIER_REALTIME, 50, 2),
      ...job('standard', api.Tier.TIER_STANDARD, 30, 1),
    );
    const state = PlacementState.of(waiting, policy);
    // Nothing registered yet: each job is announced as queued, with its reasons.
    const first = schedule(
      state,
      { newlyWaiting: new Map([...waiting.jobs.keys()].map((id) => [id, at(50)])), grownClasses: new Set(), retryAll: false, at: at(50) },
      nothingTouched(),
    );
    expect(first.map((d) => [d.type, d.data.jobId])).toEqual([
      ['JobQueued', 'realtime-new'],
      ['JobQueued', 'standard'],
      ['JobQueued', 'batch-old'],
    ]);
    // Capacity arrives: one provider with 3 GPUs; the 2-GPU BATCH job no longer fits after the other two.
    const touched = state.apply(registered('p', { gpus: 3, at: 60 }));
    const placements = schedule(
      state,
      { newlyWaiting: new Map(), grownClasses: touched.grownClasses, retryAll: false, at: at(60) },
      touched,
    );

    expect(placements.map((p) => [p.type, p.data.jobId, p.type === 'JobPlaced' ? p.data.providerId : ''])).toEqual([
      ['JobPlaced', 'realtime-new', 'p'],
      ['JobPlaced', 'standard', 'p'],
    ]);
    expect(placements[0]!.type === 'JobPlaced' && placements[0]!.data.decision!.decidedAt).toEqual(at(60));
    expect(state.registry.jobs.get('batch-old')!.state).toBe('QUEUED');
    // A pass with nothing new decides nothing and announces nothing again.
    expect(
      schedule(state, { newlyWaiting: new Map(), grownClasses: new Set(['a100-80g']), retryAll: true, at: at(61) }, nothingTouched()),
    ).toEqual([]);
  });

  it('expires jobs whose deadline passed, whatever state they wait in', () => {
    const registry = given(
      submitted('late', spec({ deadline: at(100) })),
      classified('late', api.Tier.TIER_BATCH),
      submitted('on-time', spec({ deadline: at(500) })),
      classified('on-time', api.Tier.TIER_BATCH),
      submitted('no-deadline'),
      classified('no-deadline', api.Tier.TIER_BATCH),
      registered('p'),
      submitted('running-late', spec({ deadline: at(90) })),
      classified('running-late', api.Tier.TIER_BATCH),
      placedOn('running-late', 'p'),
    );

    const expired = expireJobs([...registry.jobs.values()], at(100));

    expect(expired).toEqual([
      {
        jobId: 'late',
        attempt: 1,
        providerId: '',
        deadline: at(100),
        stateAtExpiry: api.JobState.JOB_STATE_CLASSIFIED,
        expiredAt: at(100),
      },
      {
        jobId: 'running-late',
        attempt: 1,
        providerId: 'p',
        deadline: at(90),
        stateAtExpiry: api.JobState.JOB_STATE_PLACED,
        expiredAt: at(100),
      },
    ]);
  });
});
