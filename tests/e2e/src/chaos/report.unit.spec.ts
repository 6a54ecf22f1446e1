import { describe, expect, it } from '@jest/globals';
import type { Checks } from './invariants.js';
import { SeededRandom } from './random.js';
import { faultSummary, verdictOf } from './report.js';

const clean: Checks = {
  consumerLag: {},
  acknowledged: 3,
  lost: [],
  duplicatedJobs: [],
  overlappingPlacements: [],
  doubleMetered: [],
  ledger: { entries: 6, postings: 2, total: '0', unbalancedPostings: [], balanceMismatches: [], accounts: 3 },
  replay: { classifications: [3, 3], placements: [3, 3], failures: [0, 0], percent: 100, mismatches: [] },
  states: { JOB_STATE_COMPLETED: 3 },
  queuedWithReason: 0,
  stuck: [],
  unpriced: [],
  unposted: [],
  logEvents: {},
};

describe('chaos run verdict', () => {
  it('passes a run that kept every guarantee and left nothing stuck', () => {
    expect(verdictOf(clean, 0)).toEqual({ hardGuaranteesHeld: true, live: true, failures: [] });
  });

  it('tells a broken guarantee from a liveness failure', () => {
    const stuck = {
      ...clean,
      stuck: [{ jobId: 'j', state: 'JOB_STATE_PLACED', lastEvent: 'JobPlaced', attempt: 1, sinceLastEventSeconds: 90, diagnosis: '' }],
    };
    expect(verdictOf(stuck, 0)).toMatchObject({ hardGuaranteesHeld: true, live: false, failures: ['1 job(s) stuck'] });
    expect(verdictOf({ ...clean, lost: ['j'] }, 0)).toMatchObject({ hardGuaranteesHeld: false, failures: ['1 acknowledged job(s) lost'] });
    expect(verdictOf(clean, 2).failures).toEqual(['2 duplicated job(s)']);
    expect(verdictOf({ ...clean, replay: { ...clean.replay, percent: 99.5 } }, 0).failures).toEqual(['replay verify 99.5 %']);
    expect(verdictOf({ ...clean, ledger: { ...clean.ledger, total: '5' } }, 0).hardGuaranteesHeld).toBe(false);
  });

  it('summarises the faults injected', () => {
    const at = '2026-12-01T00:00:00Z';
    expect(
      faultSummary([
        { at, t: 1, kind: 'kill', target: 'intake' },
        { at, t: 2, kind: 'kill', target: 'intake' },
        { at, t: 3, kind: 'postgres-restart', target: 'postgres' },
        { at, t: 4, kind: 'kill', target: 'payout' },
      ]),
    ).toBe('3 SIGKILL (intake 2, payout 1); PostgreSQL restart ×1');
  });
});

describe('seeded random', () => {
  it('repeats its sequence for a seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const draws = Array.from({ length: 20 }, () => a.int(1, 6));
    expect(Array.from({ length: 20 }, () => b.int(1, 6))).toEqual(draws);
    expect(draws.every((n) => n >= 1 && n <= 6)).toBe(true);
    expect(new SeededRandom(43).next()).not.toBe(new SeededRandom(42).next());
  });
});
