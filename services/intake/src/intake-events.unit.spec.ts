import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log';
import { intakeJobEnvelope, readJobEvent, readUsageFact } from './intake-events.js';

const classified: events.JobClassified = {
  jobId: 'job-1',
  tier: api.Tier.TIER_BATCH,
  policyVersion: 'v2',
  matchedRuleId: 'batch',
  reasons: ['kind=BATCH_INFERENCE'],
  classifiedAt: { seconds: '1764000000', nanos: 0 },
};

const envelope = (type: string, data: JsonValue): EventEnvelope => ({
  id: 'e-1',
  type,
  source: '/test',
  subject: 'job-1',
  time: '2026-11-24T12:00:00.000Z',
  data,
});

describe('jobs topic envelopes', () => {
  it('writes the JobEvent envelope JSON with CloudEvents attributes from the event and its time', () => {
    const at = new Date('2026-11-24T12:00:00.123Z');
    const written = intakeJobEnvelope(
      'e-9',
      { type: 'JobCancelRequested', payload: { jobId: 'job-1', reason: 'r', requestedAt: undefined } },
      at,
    );
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

  it('reads the topic envelope form, and nothing from a bare message (no producer writes one)', () => {
    const wrapped = events.JobEvent.toJSON({ jobClassified: classified }) as JsonValue;
    const bare = events.JobClassified.toJSON(classified) as JsonValue;
    const type = 'switchyard.events.v1.JobClassified';
    expect(readJobEvent(envelope(type, wrapped))).toEqual({ type: 'JobClassified', payload: classified });
    expect(readJobEvent(envelope(type, bare))).toBeUndefined();
  });

  it('reads usage facts from UsageMetered and usage postings, and throws on one that cannot be read', () => {
    const metered = events.UsageEvent.toJSON({
      usageMetered: events.UsageMetered.fromPartial({ usageId: 'u-1', jobId: 'job-1', attempt: 1, tenantChargeBaseUnits: '10' }),
    }) as JsonValue;
    expect(readUsageFact(envelope('switchyard.events.v1.UsageMetered', metered))).toEqual({
      kind: 'metered',
      usageId: 'u-1',
      jobId: 'job-1',
      attempt: 1,
      chargeBaseUnits: '10',
      waived: false,
    });
    const posting = events.LedgerEvent.toJSON({
      postingRecorded: events.PostingRecorded.fromPartial({
        postingId: 'usage:u-1',
        sourceId: 'u-1',
        kind: events.PostingKind.POSTING_KIND_USAGE,
      }),
    }) as JsonValue;
    expect(readUsageFact(envelope('switchyard.events.v1.PostingRecorded', posting))).toEqual({
      kind: 'posted',
      usageId: 'u-1',
      postingId: 'usage:u-1',
    });
    expect(() => readUsageFact(envelope('switchyard.events.v1.UsageMetered', { usageId: 'u-1' }))).toThrow('does not carry usageMetered');
  });

  it('reads nothing from another topic’s type, or a payload that does not match ce_type', () => {
    expect(readJobEvent(envelope('switchyard.events.v1.ProviderLost', { providerId: 'p' }))).toBeUndefined();
    expect(
      readJobEvent(envelope('switchyard.events.v1.JobPlaced', events.JobEvent.toJSON({ jobClassified: classified }) as JsonValue)),
    ).toBeUndefined();
    expect(readJobEvent(envelope('switchyard.events.v1.JobPlaced', 'text'))).toBeUndefined();
  });

  it('reads nothing when the payload is about another job than the record key', () => {
    const wrapped = events.JobEvent.toJSON({ jobClassified: classified }) as JsonValue;
    expect(readJobEvent({ ...envelope('switchyard.events.v1.JobClassified', wrapped), subject: 'job-2' })).toBeUndefined();
  });
});
