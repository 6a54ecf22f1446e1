// Usage reports appended to a real log (Kafka broker, or the PostgreSQL log) are priced by a
// metering service process on real PostgreSQL and read back as UsageMetered and over gRPC.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { DEAD_LETTER_TYPE } from '@switchyard/event-runtime';
import { decodeStatusDetails } from '@switchyard/service-host';
import { BACKENDS } from '@switchyard/testing';
import {
  classified,
  eventually,
  KEYS,
  meteredEvents,
  placed,
  reported,
  startMetering,
  submitted,
  type MeteringHarness,
} from './support/metering-fixture.js';

const { TIER_REALTIME, TIER_BATCH } = api.Tier;
const ceil = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** The rate card's formula written out: per GPU-hour by the millisecond, per 1k tokens, per GiB; minimum; fee floored. */
function expectedPrice(
  rates: { gpuHour: bigint; k: bigint; gib: bigint; min: bigint; bps: bigint },
  gpuMs: bigint,
  tokens: bigint,
  bytes: bigint,
) {
  let charge = ceil(gpuMs * rates.gpuHour, 3_600_000n) + ceil(tokens * rates.k, 1000n) + ceil(bytes * rates.gib, 1_073_741_824n);
  if (charge < rates.min) charge = rates.min;
  const fee = (charge * rates.bps) / 10_000n;
  return { charge: String(charge), earning: String(charge - fee), fee: String(fee) };
}
const REALTIME_H100_V1 = { gpuHour: 4_500_000n, k: 300n, gib: 20_000n, min: 1000n, bps: 500n };
const REALTIME_H100_V2 = { gpuHour: 3_900_000n, k: 250n, gib: 20_000n, min: 1000n, bps: 300n };

async function meteredFor(h: MeteringHarness, reportId: string) {
  return (await meteredEvents(h.log, h.topics.usage)).filter((e) => e.metered.reportId === reportId);
}

async function count(h: MeteringHarness, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await h.db.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

describe.each(BACKENDS)('metering on the %s event log', (backend) => {
  let h: MeteringHarness;

  beforeAll(async () => {
    h = await startMetering(backend);
    await h.log.append(h.topics.jobs, [
      submitted('job-a', 'acme', 'h100-80g'),
      classified('job-a', TIER_REALTIME),
      placed('job-a', 'prov-north-1', 'op-north'),
      submitted('job-g', 'globex', 'l4'),
      classified('job-g', TIER_BATCH),
      placed('job-g', 'prov-south-1', 'op-south'),
    ]);
  }, 90_000);

  afterAll(async () => {
    await h?.close();
  }, 30_000);

  it('prices a UsageReported into UsageMetered (key = job id) matching the rate card to the base unit, charge = earning + fee', async () => {
    await h.log.append(h.topics.usage, [
      reported('r-a1', 'job-a', '2026-03-01T10:00:00Z', { gpuMilliseconds: '5400123', tokens: '12345', bytes: '3000000000' }),
    ]);
    const [event] = await eventually(async () => {
      const found = await meteredFor(h, 'r-a1');
      expect(found).toHaveLength(1);
      return found;
    });
    const price = expectedPrice(REALTIME_H100_V1, 5_400_123n, 12_345n, 3_000_000_000n);
    expect(event!.envelope.subject).toBe('job-a');
    expect(event!.metered).toMatchObject({
      usageId: 'usage:r-a1',
      jobId: 'job-a',
      attempt: 1,
      reportId: 'r-a1',
      tenantId: 'acme',
      providerId: 'prov-north-1',
      tier: TIER_REALTIME,
      gpuClass: 'h100-80g',
      rateCardVersion: 'v2026-01',
      amounts: { gpuMilliseconds: '5400123', tokens: '12345', bytes: '3000000000' },
      tenantChargeBaseUnits: price.charge,
      providerEarningBaseUnits: price.earning,
      protocolFeeBaseUnits: price.fee,
    });
    expect(price).toEqual({ charge: '6809738', earning: '6469252', fee: '340486' });
  }, 60_000);

  it("prices the job inputs a run fetched per GB at the version's per_gb_fetched, on top of per_gib, and keeps them on the usage line", async () => {
    const amounts = { gpuMilliseconds: '3600000', tokens: '0', bytes: '2000000001', fetchedBytes: '2000000001' };
    await h.log.append(h.topics.usage, [reported('r-f1', 'job-a', '2026-07-01T00:00:00Z', amounts)]);
    const [event] = await eventually(async () => {
      const found = await meteredFor(h, 'r-f1');
      expect(found).toHaveLength(1);
      return found;
    });
    // 1 GPU-hour at 3.9 tokens, 2 GB and a byte at 20,000 per GiB, and at 7,000 per GB fetched (14,001).
    const withoutTransfer = BigInt(expectedPrice(REALTIME_H100_V2, 3_600_000n, 0n, 2_000_000_001n).charge);
    const charge = withoutTransfer + ceil(2_000_000_001n * 7_000n, 1_000_000_000n);
    expect(event!.metered).toMatchObject({ rateCardVersion: 'v2026-06', amounts, tenantChargeBaseUnits: String(charge) });
    expect(charge).toBe(3_900_000n + 37_253n + 14_001n);
    expect(await count(h, "SELECT count(*) AS n FROM usage_lines WHERE report_id = 'r-f1' AND fetched_bytes = 2000000001", [])).toBe(1);
  }, 60_000);

  it('keeps one usage line and one UsageMetered for a report re-sent under new event ids and redelivered under the same one', async () => {
    const first = reported('r-a2', 'job-a', '2026-03-02T10:00:00Z', { gpuMilliseconds: '1000' });
    const resent = reported('r-a2', 'job-a', '2026-03-02T10:00:05Z', { gpuMilliseconds: '999999' });
    await h.log.append(h.topics.usage, [first, first, resent]);
    // A later report of the same job: once it is metered, everything before it on the partition was handled.
    await h.log.append(h.topics.usage, [reported('r-a2-after', 'job-a', '2026-03-02T11:00:00Z', { gpuMilliseconds: '1000' })]);
    await eventually(async () => expect(await meteredFor(h, 'r-a2-after')).toHaveLength(1));
    const events = await meteredFor(h, 'r-a2');
    expect(events).toHaveLength(1);
    expect(events[0]!.metered.amounts?.gpuMilliseconds).toBe('1000');
    expect(await count(h, 'SELECT count(*) AS n FROM usage_lines WHERE report_id = $1', ['r-a2'])).toBe(1);
  }, 60_000);

  it('parks a report that arrives before its job is classified and meters it when the classification arrives', async () => {
    await h.log.append(h.topics.usage, [reported('r-late', 'job-late', '2026-03-03T10:00:00Z', { gpuMilliseconds: '7200000' })]);
    await h.log.append(h.topics.jobs, [submitted('job-late', 'acme', 'h100-80g', '2026-03-03T09:59:00Z')]);
    await eventually(async () =>
      expect(await count(h, 'SELECT count(*) AS n FROM pending_usage_reports WHERE report_id = $1', ['r-late'])).toBe(1),
    );
    await eventually(async () =>
      expect(await count(h, 'SELECT count(*) AS n FROM metering_jobs WHERE job_id = $1 AND tenant_id IS NOT NULL', ['job-late'])).toBe(1),
    );
    expect(await meteredFor(h, 'r-late')).toHaveLength(0);

    await h.log.append(h.topics.jobs, [classified('job-late', TIER_REALTIME, '2026-03-03T10:05:00Z')]);
    const [event] = await eventually(async () => {
      const found = await meteredFor(h, 'r-late');
      expect(found).toHaveLength(1);
      return found;
    });
    const price = expectedPrice(REALTIME_H100_V1, 7_200_000n, 0n, 0n);
    expect(event!.metered).toMatchObject({
      tenantId: 'acme',
      tier: TIER_REALTIME,
      tenantChargeBaseUnits: price.charge,
      rateCardVersion: 'v2026-01',
    });
    // Metered when the classification made it priceable, priced by its report time.
    expect(event!.envelope.time).toBe('2026-03-03T10:05:00.000Z');
    expect(await count(h, 'SELECT count(*) AS n FROM pending_usage_reports WHERE report_id = $1', ['r-late'])).toBe(0);
  }, 60_000);

  it('applies a rate-card version only to usage reported at or after its effective time', async () => {
    await h.log.append(h.topics.usage, [
      reported('r-before', 'job-a', '2026-05-31T23:59:59.999Z', { gpuMilliseconds: '3600000' }),
      reported('r-at', 'job-a', '2026-06-01T00:00:00.000Z', { gpuMilliseconds: '3600000' }),
    ]);
    const byReport = await eventually(async () => {
      const found = (await meteredEvents(h.log, h.topics.usage)).filter((e) => ['r-before', 'r-at'].includes(e.metered.reportId));
      expect(found).toHaveLength(2);
      return new Map(found.map((e) => [e.metered.reportId, e.metered]));
    });
    expect(byReport.get('r-before')).toMatchObject({
      rateCardVersion: 'v2026-01',
      tenantChargeBaseUnits: expectedPrice(REALTIME_H100_V1, 3_600_000n, 0n, 0n).charge,
    });
    expect(byReport.get('r-at')).toMatchObject({
      rateCardVersion: 'v2026-06',
      tenantChargeBaseUnits: '3900000',
      protocolFeeBaseUnits: expectedPrice(REALTIME_H100_V2, 3_600_000n, 0n, 0n).fee,
    });
  }, 60_000);

  it('dead-letters a report its rate card cannot price, and keeps a parked one pending with the reason', async () => {
    await h.log.append(h.topics.usage, [reported('r-y', 'job-y', '2026-03-05T10:00:00Z', { gpuMilliseconds: '1000' })]);
    await eventually(async () =>
      expect(await count(h, 'SELECT count(*) AS n FROM pending_usage_reports WHERE report_id = $1', ['r-y'])).toBe(1),
    );
    await h.log.append(h.topics.jobs, [
      submitted('job-x', 'acme', 'b200'),
      classified('job-x', TIER_REALTIME),
      submitted('job-y', 'acme', 'b200'),
      classified('job-y', TIER_REALTIME),
    ]);
    await h.log.append(h.topics.usage, [reported('r-x', 'job-x', '2026-03-05T10:00:00Z', { gpuMilliseconds: '1000' })]);

    const letter = await eventually(async () => {
      const letters = [];
      for await (const logged of h.log.read({ topic: `${h.topics.usage}-dlt` })) letters.push(logged.envelope);
      expect(letters).toHaveLength(1);
      return letters[0]!;
    }, 45_000);
    expect(letter).toMatchObject({ type: DEAD_LETTER_TYPE, subject: 'job-x' });
    expect((letter.data as { error: string; envelope: { data: unknown } }).error).toMatch(/no price for GPU class "b200" in TIER_REALTIME/);

    const { rows } = await h.db.query<{ last_error: string }>('SELECT last_error FROM pending_usage_reports WHERE report_id = $1', ['r-y']);
    expect(rows[0]?.last_error).toMatch(/^RATE_NOT_FOUND: /);
    expect(await count(h, "SELECT count(*) AS n FROM usage_lines WHERE report_id IN ('r-x', 'r-y')", [])).toBe(0);
    // The partition moved on: a later report of a priceable job is still metered.
    await h.log.append(h.topics.usage, [reported('r-after-dlt', 'job-a', '2026-03-05T11:00:00Z', { gpuMilliseconds: '1000' })]);
    await eventually(async () => expect(await meteredFor(h, 'r-after-dlt')).toHaveLength(1));
  }, 90_000);

  describe('GetUsage over gRPC', () => {
    beforeAll(async () => {
      await h.log.append(h.topics.usage, [
        reported('r-g1', 'job-g', '2026-04-01T00:00:00Z', { gpuMilliseconds: '60000' }, { providerId: 'prov-south-1' }),
        reported('r-w1', 'job-a', '2026-04-10T00:00:00Z', { gpuMilliseconds: '360000' }),
        reported('r-w2', 'job-a', '2026-04-11T00:00:00Z', { gpuMilliseconds: '720000' }),
        reported('r-w3', 'job-a', '2026-04-12T00:00:00Z', { gpuMilliseconds: '1080000' }),
      ]);
      await eventually(async () =>
        expect(await count(h, "SELECT count(*) AS n FROM usage_lines WHERE report_id IN ('r-g1', 'r-w1', 'r-w2', 'r-w3')", [])).toBe(4),
      );
    }, 60_000);

    const window = {
      startTime: { seconds: String(Date.parse('2026-04-10T00:00:00Z') / 1000), nanos: 0 },
      endTime: { seconds: String(Date.parse('2026-04-12T00:00:00Z') / 1000), nanos: 0 },
    };

    it("returns the calling tenant's lines in the window [start, end) with the charge and the total", async () => {
      const response = await h.getUsage(KEYS.acme, window);
      expect(response.lines.map((line) => [line.reportId, line.priceBaseUnits, line.rateCardVersion])).toEqual([
        ['r-w1', '450000', 'v2026-01'],
        ['r-w2', '900000', 'v2026-01'],
      ]);
      expect(response.lines[0]).toMatchObject({
        usageId: 'usage:r-w1',
        jobId: 'job-a',
        attempt: 1,
        tier: 'TIER_REALTIME',
        gpuClass: 'h100-80g',
        amounts: { gpuMilliseconds: '360000' },
      });
      expect(response.totalBaseUnits).toBe('1350000');
      expect((await h.getUsage(KEYS.globex, window)).lines).toEqual([]);
    }, 30_000);

    it('pages through the window with the total over all pages', async () => {
      const first = await h.getUsage(KEYS.acme, { ...window, pageSize: 1 });
      expect(first.lines.map((l) => l.reportId)).toEqual(['r-w1']);
      expect(first.totalBaseUnits).toBe('1350000');
      const second = await h.getUsage(KEYS.acme, { ...window, pageSize: 1, pageToken: first.nextPageToken });
      expect(second.lines.map((l) => l.reportId)).toEqual(['r-w2']);
      expect(second.nextPageToken).toBe('');
    }, 30_000);

    it("shows an operator its provider's earnings (charge minus fee) and refuses another operator's provider", async () => {
      const response = await h.getUsage(KEYS.north, { ...window, providerId: 'prov-north-1' });
      expect(response.lines.map((l) => [l.reportId, l.priceBaseUnits])).toEqual([
        ['r-w1', '427500'],
        ['r-w2', '855000'],
      ]);
      expect(response.totalBaseUnits).toBe('1282500');
      await expect(h.getUsage(KEYS.north, { providerId: 'prov-south-1' })).rejects.toMatchObject({
        code: status.PERMISSION_DENIED,
      } as Partial<ServiceError>);
    }, 30_000);

    it('lets an admin read any tenant and refuses calls without a known key', async () => {
      const globex = await h.getUsage(KEYS.admin, {}, { 'x-switchyard-tenant': 'globex' });
      expect(globex.lines.map((l) => l.reportId)).toEqual(['r-g1']);
      await expect(h.getUsage(undefined, {})).rejects.toMatchObject({ code: status.UNAUTHENTICATED } as Partial<ServiceError>);
      await expect(h.getUsage('not-a-key', {})).rejects.toMatchObject({ code: status.UNAUTHENTICATED } as Partial<ServiceError>);
      await expect(h.getUsage(KEYS.acme, { startTime: window.endTime, endTime: window.startTime })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
      } as Partial<ServiceError>);
      // Beyond 9999-12-31T23:59:59Z: INVALID_ARGUMENT naming the field, not a date that wraps.
      const beyond = await h.getUsage(KEYS.acme, { endTime: { seconds: '253402300800', nanos: 0 } }).catch((error: ServiceError) => error);
      expect((beyond as ServiceError).code).toBe(status.INVALID_ARGUMENT);
      expect(JSON.stringify(decodeStatusDetails(beyond as ServiceError))).toContain('end_time');
    }, 30_000);
  });
});
