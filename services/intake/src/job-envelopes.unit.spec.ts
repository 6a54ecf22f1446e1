import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log';
import { jobEventEnvelope, readJobEvent } from './job-envelopes.js';

const classified: events.JobClassified = {
  jobId: 'job-1',
  tier: api.Tier.TIER_BATCH,
  policyVersion: 'v2',
  matchedRuleId: 'batch',
  reasons: ['kind=BATCH_INFERENCE'],
  classifiedAt: { seconds: '1764000000', nanos: 0 },
};

const envelope = (type: string, data: JsonValue): EventEnvelope => ({ id: 'e-1', type, source: '/test', subject: 'job-1', time: '2026-11-24T12:00:00.000Z', data });

describe('jobs topic envelopes', () => {
  it('writes the JobEvent envelope JSON with CloudEvents attributes from the event and its time', () => {
    const at = new Date('2026-11-24T12:00:00.123Z');
    const written = jobEventEnvelope('e-9', 'job-1', { type: 'JobCancelRequested', payload: { jobId: 'job-1', reason: 'r', requestedAt: undefined } }, at);
    expect(written).toEqual({
      id: 'e-9',
      type: 'switchyard.events.v1.JobCancelRequested',
      source: '/switchyard/intake',
      subject: 'job-1',
      time: '2026-11-24T12:00:00.123Z',
      correlationId: 'job-1',
      data: { jobCancelRequested: { jobId: 'job-1', reason: 'r' } },
    });
    expect(readJobEvent(written)).toEqual({ type: 'JobCancelRequested', payload: { jobId: 'job-1', reason: 'r', requestedAt: undefined } });
  });

  it('reads the envelope form and the bare message form alike', () => {
    const wrapped = events.JobEvent.toJSON({ jobClassified: classified }) as JsonValue;
    const bare = events.JobClassified.toJSON(classified) as JsonValue;
    const type = 'switchyard.events.v1.JobClassified';
    expect(readJobEvent(envelope(type, wrapped))).toEqual({ type: 'JobClassified', payload: classified });
    expect(readJobEvent(envelope(type, bare))).toEqual({ type: 'JobClassified', payload: classified });
  });

  it('reads nothing from another topic’s type, or a payload that does not match ce_type', () => {
    expect(readJobEvent(envelope('switchyard.events.v1.ProviderLost', { providerId: 'p' }))).toBeUndefined();
    expect(readJobEvent(envelope('switchyard.events.v1.JobPlaced', events.JobEvent.toJSON({ jobClassified: classified }) as JsonValue))).toBeUndefined();
    expect(readJobEvent(envelope('switchyard.events.v1.JobPlaced', 'text'))).toBeUndefined();
  });

  it('reads nothing when the payload is about another job than the record key', () => {
    const wrapped = events.JobEvent.toJSON({ jobClassified: classified }) as JsonValue;
    expect(readJobEvent({ ...envelope('switchyard.events.v1.JobClassified', wrapped), subject: 'job-2' })).toBeUndefined();
  });
});
