import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '@switchyard/event-log';
import { bestPlacedPerSecond, latencyRatio, logEfficiency, pipelineEventsPerSecond, rawEventCount } from './ceiling/efficiency.js';
import { envelopeBytes, envelopesLike } from './ceiling/raw-log.js';
import { growthRatio } from './growth/growth-section.js';
import { parentsFirst } from './growth/seed-history.js';
import { EVENTS_PER_PLACED_JOB } from './pipeline/placed-watcher.js';

describe('efficiency', () => {
  it('a placed job is three events in the log: submitted, classified, placed', () => {
    expect(EVENTS_PER_PLACED_JOB).toEqual([
      'switchyard.events.v1.JobSubmitted',
      'switchyard.events.v1.JobClassified',
      'switchyard.events.v1.JobPlaced',
    ]);
    expect(pipelineEventsPerSecond(100)).toBe(300);
    expect(pipelineEventsPerSecond(100, 5)).toBe(500);
  });

  it('pipeline events/s ÷ raw events/s', () => {
    expect(logEfficiency(pipelineEventsPerSecond(2_000), 20_000)).toBeCloseTo(0.3);
    expect(logEfficiency(300, 0)).toBeNaN();
    expect(logEfficiency(300, NaN)).toBeNaN();
  });

  it('SubmitJob p50 ÷ echo p50', () => {
    expect(latencyRatio(3, 2)).toBe(1.5);
    expect(latencyRatio(3, 0)).toBeNaN();
  });

  it('the best scenario is the saturation figure; the raw log carries what the largest scenario wrote', () => {
    expect(bestPlacedPerSecond([{ placedPerSecond: 12 }, { placedPerSecond: 40 }, { placedPerSecond: 31 }])).toBe(40);
    expect(bestPlacedPerSecond([])).toBe(0);
    expect(rawEventCount([{ accepted: 300 }, { accepted: 10_000 }], 3_000, 300_000)).toBe(30_000);
    expect(rawEventCount([{ accepted: 10 }], 3_000, 300_000)).toBe(3_000);
    expect(rawEventCount([{ accepted: 1_000_000 }], 3_000, 300_000)).toBe(300_000);
  });

  it('growth ratio is history ÷ empty', () => {
    expect(growthRatio(90, 100)).toBeCloseTo(0.9);
    expect(growthRatio(90, 0)).toBeNaN();
    expect(growthRatio(NaN, 100)).toBeNaN();
  });
});

describe('raw-log envelopes', () => {
  const sample: EventEnvelope = {
    id: '01a2319b-4bad-771a-bf0b-262a07fa927d:classified',
    type: 'switchyard.events.v1.JobClassified',
    source: '/switchyard/classifier',
    subject: '01a2319b-4bad-771a-bf0b-262a07fa927d',
    time: '2026-12-01T12:00:00.000Z',
    correlationId: '01a2319b-4bad-771a-bf0b-262a07fa927d',
    data: { jobClassified: { jobId: '01a2319b-4bad-771a-bf0b-262a07fa927d', tier: 'TIER_REALTIME' } },
  };

  it('copies keep the shape and size with fresh ids and subjects', () => {
    const copies = envelopesLike([sample], 3);
    expect(new Set(copies.map((c) => c.id)).size).toBe(3);
    expect(new Set(copies.map((c) => c.subject)).size).toBe(3);
    for (const copy of copies) {
      expect(copy.id.endsWith(':classified')).toBe(true);
      expect(copy.type).toBe(sample.type);
      expect(envelopeBytes(copy)).toBe(envelopeBytes(sample));
    }
  });

  it('needs a sample', () => {
    expect(() => envelopesLike([], 1)).toThrow(/no sample/);
  });
});

describe('parentsFirst', () => {
  it('orders tables after the tables their foreign keys reference', () => {
    const tables = [
      { name: 'intake.event_inbox' },
      { name: 'intake.job_history' },
      { name: 'intake.jobs' },
      { name: 'payout.ledger_entries' },
      { name: 'payout.ledger_postings' },
    ];
    const fks = [
      { child: 'intake.job_history', parent: 'intake.jobs' },
      { child: 'payout.ledger_entries', parent: 'payout.ledger_postings' },
      { child: 'intake.jobs', parent: 'intake.jobs' },
      { child: 'intake.jobs', parent: 'intake.tenants' }, // not seeded: ignored
    ];
    const order = parentsFirst(tables, fks).map((t) => t.name);
    expect(order).toHaveLength(5);
    expect(order.indexOf('intake.jobs')).toBeLessThan(order.indexOf('intake.job_history'));
    expect(order.indexOf('payout.ledger_postings')).toBeLessThan(order.indexOf('payout.ledger_entries'));
  });
});
