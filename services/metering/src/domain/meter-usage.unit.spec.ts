import { describe, expect, it } from '@jest/globals';
import { events } from '@switchyard/contracts/messages';
import { decideUsageReport, meteredAtOf, meterUsage } from './meter-usage.js';
import { card, rates, TIER_REALTIME, TOKEN } from './rate-card.fixtures.js';
import { timestampOfMs } from './instant.js';

const cards = [
  card('2026-01', '2026-01-01T00:00:00Z', { [TIER_REALTIME]: { 'h100-80g': rates({ perGpuHour: 4n * TOKEN }) } }, 500n),
  card('2026-07', '2026-07-01T00:00:00Z', { [TIER_REALTIME]: { 'h100-80g': rates({ perGpuHour: 5n * TOKEN }) } }, 300n),
];
const job = { tenantId: 'tenant-a', tier: TIER_REALTIME, gpuClass: 'h100-80g' };

function report(overrides: Partial<events.UsageReported> = {}): events.UsageReported {
  return {
    reportId: 'rep-1',
    jobId: 'job-1',
    attempt: 2,
    providerId: 'prov-9',
    amounts: { gpuMilliseconds: '5400000', tokens: '0', bytes: '0', fetchedBytes: '0' },
    reportedAt: timestampOfMs(Date.parse('2026-03-01T12:00:00Z')),
    failed: false,
    fault: events.Fault.FAULT_UNSPECIFIED,
    ...overrides,
  };
}

describe('meterUsage', () => {
  it('given a report of 1.5 GPU-hours on REALTIME h100 at 4 tokens/h and a 5% fee, then charge 6 tokens, fee 0.3, earning 5.7', () => {
    expect(meterUsage(report(), job, cards)).toEqual({
      usageId: 'usage:rep-1',
      jobId: 'job-1',
      attempt: 2,
      reportId: 'rep-1',
      tenantId: 'tenant-a',
      providerId: 'prov-9',
      tier: TIER_REALTIME,
      gpuClass: 'h100-80g',
      rateCardVersion: '2026-01',
      amounts: { gpuMilliseconds: '5400000', tokens: '0', bytes: '0', fetchedBytes: '0' },
      tenantChargeBaseUnits: '6000000',
      providerEarningBaseUnits: '5700000',
      protocolFeeBaseUnits: '300000',
      meteredAt: report().reportedAt,
      waived: false,
      fault: events.Fault.FAULT_UNSPECIFIED,
    });
  });

  it("charges a failed run only when the failure was the job's own: the provider's, the platform's, a preemption or a timeout waive it", () => {
    const F = events.Fault;
    const charged = (fault: events.Fault): [boolean, string, string, string] => {
      const metered = meterUsage(report({ failed: true, fault }), job, cards);
      return [metered.waived, metered.tenantChargeBaseUnits, metered.providerEarningBaseUnits, metered.protocolFeeBaseUnits];
    };
    expect(charged(F.FAULT_WORKLOAD)).toEqual([false, '6000000', '5700000', '300000']);
    for (const fault of [F.FAULT_PROVIDER, F.FAULT_PLATFORM, F.FAULT_PREEMPTION, F.FAULT_TIMEOUT]) {
      expect(charged(fault)).toEqual([true, '0', '0', '0']);
    }
    // A failure recorded before faults were (FAULT_UNSPECIFIED) is charged, as it was then.
    expect(charged(F.FAULT_UNSPECIFIED)[0]).toBe(false);
    // The quantities are recorded either way.
    expect(meterUsage(report({ failed: true, fault: F.FAULT_PROVIDER }), job, cards).amounts).toEqual(report().amounts);
  });

  it('is deterministic: the same report (a redelivery) gives the same event, usage id included', () => {
    expect(meterUsage(report(), job, cards)).toEqual(meterUsage(report(), job, cards));
    expect(meterUsage(report({ reportId: 'rep-2' }), job, cards).usageId).not.toBe('usage:rep-1');
  });

  it('prices by the report time, not the metering time: a report before a change keeps the old card when metered after it', () => {
    const meteredLater = timestampOfMs(Date.parse('2026-08-01T00:00:00Z'));
    const metered = meterUsage(report(), job, cards, meteredLater);
    expect(metered.rateCardVersion).toBe('2026-01');
    expect(metered.meteredAt).toEqual(meteredLater);
    const after = meterUsage(report({ reportedAt: timestampOfMs(Date.parse('2026-07-01T00:00:00Z')) }), job, cards);
    expect([after.rateCardVersion, after.tenantChargeBaseUnits, after.protocolFeeBaseUnits]).toEqual(['2026-07', '7500000', '225000']);
  });

  it('reads uint64 amounts above 2^53 exactly', () => {
    const metered = meterUsage(
      report({ amounts: { gpuMilliseconds: '9007199254740993', tokens: '0', bytes: '0', fetchedBytes: '0' } }),
      job,
      [card('tiny', '2026-01-01T00:00:00Z', { [TIER_REALTIME]: { 'h100-80g': rates({ perGpuHour: 3_600_000n, minimumCharge: 0n }) } }, 0n)],
    );
    expect(metered.tenantChargeBaseUnits).toBe('9007199254740993');
  });

  it('rejects amounts that are not uint64 decimal strings and reports without ids or time', () => {
    expect(() =>
      meterUsage(report({ amounts: { gpuMilliseconds: '-5', tokens: '0', bytes: '0', fetchedBytes: '0' } }), job, cards),
    ).toThrow(/gpu_milliseconds "-5"/);
    expect(() => meterUsage(report({ reportId: '' }), job, cards)).toThrow(/no report_id/);
    expect(() => meterUsage(report({ reportedAt: undefined }), job, cards)).toThrow(/no reported_at/);
  });

  it('fails with RATE_NOT_FOUND for a GPU class the card does not price in the job tier', () => {
    expect(() => meterUsage(report(), { ...job, gpuClass: 'l4' }, cards)).toThrow(
      expect.objectContaining({ code: 'RATE_NOT_FOUND' }) as unknown as Error,
    );
  });
});

describe('decideUsageReport', () => {
  const reportedMs = Date.parse('2026-03-01T12:00:00Z');

  it('a report id seen before changes nothing, known job or not', () => {
    expect(decideUsageReport(report(), { seen: true, job }, cards, reportedMs)).toEqual({ kind: 'duplicate' });
    expect(decideUsageReport(report(), { seen: true, job: undefined }, cards, reportedMs)).toEqual({ kind: 'duplicate' });
  });

  it('a new report of a job not known yet is parked', () => {
    expect(decideUsageReport(report(), { seen: false, job: undefined }, cards, reportedMs)).toEqual({ kind: 'park' });
  });

  it('a new report of a known job is metered at the later of its report time and the event that made it priceable', () => {
    const later = reportedMs + 60_000;
    expect(decideUsageReport(report(), { seen: false, job }, cards, later)).toEqual({
      kind: 'meter',
      metered: meterUsage(report(), job, cards, timestampOfMs(later)),
    });
    expect(meteredAtOf(report(), reportedMs - 60_000)).toEqual(timestampOfMs(reportedMs));
  });
});
