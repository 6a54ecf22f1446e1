import { describe, expect, it } from '@jest/globals';
import { events, idFrom } from '@switchyard/contracts';
import { meterUsage, timestampOfMs } from './domain/index.js';
import { card, rates, TIER_BATCH } from './domain/rate-card.fixtures.js';
import { usageMeteredEnvelope } from './usage-recorder.js';

const report = (reportId: string, attempt = 1) => ({
  reportId,
  jobId: 'job-1',
  attempt,
  providerId: 'p1',
  amounts: { gpuMilliseconds: '1', tokens: '0', bytes: '0', fetchedBytes: '0' },
  reportedAt: timestampOfMs(Date.parse('2026-02-01T00:00:00Z')),
  failed: false,
  fault: events.Fault.FAULT_UNSPECIFIED,
});
const cards = [card('v1', '2026-01-01T00:00:00Z', { [TIER_BATCH]: { l4: rates() } })];
const metered = (reportId: string, attempt = 1) =>
  meterUsage(report(reportId, attempt), { tenantId: 't', tier: TIER_BATCH, gpuClass: 'l4' }, cards);

describe('usageMeteredEnvelope', () => {
  it('wraps UsageMetered in the usage envelope, keyed by job id, with an event id derived from the usage id and the report as cause', () => {
    const out = usageMeteredEnvelope(metered('r1'), { eventId: 'e1', traceparent: '00-abc-def-01' });
    expect(out).toMatchObject({
      id: idFrom('switchyard/metering/metered:usage:r1'),
      type: 'switchyard.events.v1.UsageMetered',
      source: '/switchyard/metering',
      subject: 'job-1',
      time: '2026-02-01T00:00:00.000Z',
      causationId: 'e1',
      correlationId: 'job-1',
      traceparent: '00-abc-def-01',
    });
    expect(Object.keys(out.data as object)).toEqual(['usageMetered']);
    expect(events.UsageEvent.fromJSON(out.data).usageMetered).toEqual(metered('r1'));
  });

  it('gives the same report the same id whatever caused its metering, and distinct reports distinct ids', () => {
    expect(usageMeteredEnvelope(metered('r1'), { eventId: 'e1' }).id).toBe(usageMeteredEnvelope(metered('r1'), { eventId: 'e2' }).id);
    const ids = [metered('r1'), metered('r2'), metered('r3', 2)].map((m) => usageMeteredEnvelope(m, { eventId: 'e1' }).id);
    expect(new Set(ids).size).toBe(3);
  });
});
