import { describe, expect, it } from '@jest/globals';
import { events } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { messageJson, usageMeteredEnvelope } from './event-payloads.js';
import { meterUsage, timestampOfMs } from './domain/index.js';
import { card, rates, TIER_BATCH } from './domain/rate-card.fixtures.js';

const report = { reportId: 'r1', jobId: 'job-1', attempt: 1, providerId: 'p1', amounts: { gpuMilliseconds: '1', tokens: '0', bytes: '0', fetchedBytes: '0' }, reportedAt: timestampOfMs(Date.parse('2026-02-01T00:00:00Z')), failed: false, fault: events.Fault.FAULT_UNSPECIFIED };
const envelope = (data: unknown): EventEnvelope => ({ id: 'e1', type: 'switchyard.events.v1.UsageReported', source: '/t', subject: 'job-1', time: '2026-02-01T00:00:00Z', data: data as never });

describe('messageJson', () => {
  it('reads the topic-envelope form and the bare message alike', () => {
    const json = events.UsageReported.toJSON(report);
    expect(messageJson(envelope({ usageReported: json }))).toEqual(json);
    expect(messageJson(envelope(json))).toEqual(json);
  });
});

describe('usageMeteredEnvelope', () => {
  const metered = meterUsage(report, { tenantId: 't', tier: TIER_BATCH, gpuClass: 'l4' }, [card('v1', '2026-01-01T00:00:00Z', { [TIER_BATCH]: { l4: rates() } })]);

  it('wraps UsageMetered in the usage envelope, keyed by job id, with an event id derived from the usage id and the report as cause', () => {
    const out = usageMeteredEnvelope(metered, { eventId: 'e1', traceparent: '00-abc-def-01' });
    expect(out).toMatchObject({
      id: 'metered:usage:r1',
      type: 'switchyard.events.v1.UsageMetered',
      source: '/switchyard/metering',
      subject: 'job-1',
      time: '2026-02-01T00:00:00.000Z',
      causationId: 'e1',
      correlationId: 'job-1',
      traceparent: '00-abc-def-01',
    });
    expect(events.UsageEvent.fromJSON(out.data).usageMetered).toEqual(metered);
  });
});
