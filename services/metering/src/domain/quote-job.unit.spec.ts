import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts/messages';
import { timestampOfMs } from './instant.js';
import { highestWorstCasePrice, quoteJob } from './quote-job.js';
import { card, rates, TIER_BATCH, TIER_REALTIME, TIER_TRAINING, TOKEN } from './rate-card.fixtures.js';

const at = timestampOfMs(Date.parse('2026-03-01T00:00:00Z'));
const cards = [
  card('2026-01', '2026-01-01T00:00:00Z', {
    [TIER_TRAINING]: { 'h100-80g': rates({ perGpuHour: 2n * TOKEN }) },
    [TIER_REALTIME]: { 'h100-80g': rates({ perGpuHour: 4n * TOKEN }), l4: rates({ perGpuHour: TOKEN }) },
    [TIER_BATCH]: { l4: rates({ perGpuHour: TOKEN / 2n, minimumCharge: 1_000n }) },
  }),
];

function spec(overrides: Partial<api.JobSpec> = {}): api.JobSpec {
  return {
    ...api.JobSpec.fromPartial({
      kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING,
      gpuClass: 'h100-80g',
      gpuCount: 8,
      estimatedDurationSeconds: 5_400,
    }),
    ...overrides,
  };
}

describe('quoteJob', () => {
  it('prices the worst case: the declared duration on every GPU (1.5 h × 8 GPUs at 2 tokens/GPU-hour = 24 tokens)', () => {
    expect(quoteJob(spec(), TIER_TRAINING, cards, at)).toEqual({
      rateCardVersion: '2026-01',
      prices: [
        { tier: TIER_TRAINING, worstCasePriceBaseUnits: '24000000', gpuHourRateBaseUnits: '2000000', worstCaseTransferBaseUnits: '0' },
      ],
      quotedAt: at,
    });
  });

  it("lists every tier that prices the GPU class, in tier order, when asked for 'all'", () => {
    const quote = quoteJob(spec({ gpuClass: 'l4', gpuCount: 1, estimatedDurationSeconds: 1 }), 'all', cards, at);
    // REALTIME: ceil(1000 ms × 1e6 / 3.6e6) = 278; BATCH: ceil(138.9) = 139, below its minimum charge of 1000
    expect(quote.prices.map((p) => [p.tier, p.worstCasePriceBaseUnits])).toEqual([
      [TIER_REALTIME, '278'],
      [TIER_BATCH, '1000'],
    ]);
  });

  it('is never below what metering would charge for a run that used the whole declared duration', () => {
    const [price] = quoteJob(spec({ gpuCount: 3, estimatedDurationSeconds: 7 }), TIER_REALTIME, cards, at).prices;
    // 21,000 GPU-ms at 4e18 per hour
    expect(price!.worstCasePriceBaseUnits).toBe(((21_000n * 4n * TOKEN + 3_599_999n) / 3_600_000n).toString());
  });

  it('fails with RATE_NOT_FOUND for a named tier without a price, and for a GPU class no tier prices', () => {
    expect(() => quoteJob(spec(), TIER_BATCH, cards, at)).toThrow(expect.objectContaining({ code: 'RATE_NOT_FOUND' }) as unknown as Error);
    expect(() => quoteJob(spec({ gpuClass: 'b200' }), 'all', cards, at)).toThrow(/in no tier/);
  });

  it('quotes under the version in effect at the quote time', () => {
    const later = [...cards, card('2026-06', '2026-06-01T00:00:00Z', { [TIER_TRAINING]: { 'h100-80g': rates({ perGpuHour: TOKEN }) } })];
    expect(quoteJob(spec(), TIER_TRAINING, later, at).rateCardVersion).toBe('2026-01');
    expect(
      quoteJob(spec(), TIER_TRAINING, later, timestampOfMs(Date.parse('2026-06-01T00:00:00Z'))).prices[0]!.worstCasePriceBaseUnits,
    ).toBe('12000000');
  });

  it('gives the highest worst case over the quoted tiers, for a cap check before the tier is known', () => {
    const quote = quoteJob(spec({ gpuClass: 'l4', gpuCount: 1, estimatedDurationSeconds: 1 }), 'all', cards, at);
    expect(highestWorstCasePrice(quote)).toBe(1000n);
    expect(highestWorstCasePrice({ rateCardVersion: 'v', prices: [], quotedAt: at })).toBe(0n);
  });

  it('includes the worst-case transfer: every input fetched (each digest once) at the price per GB fetched, rounded up', () => {
    const withTransfer = [
      card('2026-02', '2026-02-01T00:00:00Z', {
        [TIER_TRAINING]: { 'h100-80g': rates({ perGpuHour: 2n * TOKEN, perGbFetched: 30_000n }) },
      }),
    ];
    const dataset = {
      digest: `sha256:${'d'.repeat(64)}`,
      kind: api.DataKind.DATA_KIND_DATASET,
      sizeBytes: '400000000001',
      locality: api.Locality.LOCALITY_PREFERRED,
    };
    const weights = {
      ...dataset,
      digest: `sha256:${'e'.repeat(64)}`,
      kind: api.DataKind.DATA_KIND_MODEL_WEIGHTS,
      sizeBytes: '100000000000',
    };
    const [price] = quoteJob(spec({ inputs: [dataset, weights, dataset] }), TIER_TRAINING, withTransfer, at).prices;
    // 500 GB and a byte at 30,000 per GB: 15,000,001; plus 24 tokens of GPU time.
    expect(price).toMatchObject({ worstCaseTransferBaseUnits: '15000001', worstCasePriceBaseUnits: String(24n * TOKEN + 15_000_001n) });
    // A card without the rate (versions before it) quotes no transfer.
    expect(quoteJob(spec({ inputs: [dataset] }), TIER_TRAINING, cards, at).prices[0]!.worstCaseTransferBaseUnits).toBe('0');
  });

  it('prices the stated output of every job a pipeline step depends on as a transfer too', () => {
    const withTransfer = [
      card('2026-02', '2026-02-01T00:00:00Z', {
        [TIER_TRAINING]: { 'h100-80g': rates({ perGpuHour: 2n * TOKEN, perGbFetched: 30_000n }) },
      }),
    ];
    const dependsOn = [
      { jobId: '0190c3a0-0000-7000-8000-000000000001', outputSizeBytes: '200000000000' },
      { jobId: '0190c3a0-0000-7000-8000-000000000002', outputSizeBytes: '0' },
    ];
    const weights = {
      digest: `sha256:${'e'.repeat(64)}`,
      kind: api.DataKind.DATA_KIND_MODEL_WEIGHTS,
      sizeBytes: '100000000000',
      locality: api.Locality.LOCALITY_PREFERRED,
    };
    const [price] = quoteJob(spec({ inputs: [weights], dependsOn }), TIER_TRAINING, withTransfer, at).prices;
    // 100 GB of weights and 200 GB of upstream output at 30,000 per GB.
    expect(price).toMatchObject({ worstCaseTransferBaseUnits: '9000000', worstCasePriceBaseUnits: String(24n * TOKEN + 9_000_000n) });
  });
});
