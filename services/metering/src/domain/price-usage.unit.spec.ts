import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ceilDiv, chargeFor, splitCharge } from './price-usage.js';
import { rates, TOKEN } from './rate-card.fixtures.js';

const usage = (gpuMilliseconds: bigint, tokens = 0n, bytes = 0n) => ({ gpuMilliseconds, tokens, bytes });
const gpuOnly = (perGpuHour: bigint) => rates({ perGpuHour, per1kTokens: 0n, perGib: 0n, minimumCharge: 0n });

describe('chargeFor', () => {
  it('prices GPU time per millisecond as ceil(gpu_ms × price_per_gpu_hour / 3,600,000)', () => {
    expect(chargeFor(usage(3_600_000n), gpuOnly(3_600_000n))).toBe(3_600_000n);
    expect(chargeFor(usage(1n), gpuOnly(3_600_000n))).toBe(1n);
    expect(chargeFor(usage(1n), gpuOnly(3_600_001n))).toBe(2n);
    expect(chargeFor(usage(1n), gpuOnly(1n))).toBe(1n);
  });

  it("prices the job inputs the provider fetched per started GB at the rate card's per_gb_fetched, on top of per_gib", () => {
    const card = rates({ perGpuHour: 0n, per1kTokens: 0n, perGib: 0n, minimumCharge: 0n, perGbFetched: 5_000n });
    // 2 GB and a byte fetched: 10,001; a version without the rate charges nothing for it.
    expect(chargeFor({ ...usage(0n), fetchedBytes: 2_000_000_001n }, card)).toBe(10_001n);
    expect(chargeFor({ ...usage(0n), fetchedBytes: 2_000_000_001n }, gpuOnly(1n))).toBe(0n);
    expect(chargeFor({ ...usage(3_600_000n), fetchedBytes: 1_000_000_000n }, { ...gpuOnly(1_000n), perGbFetched: 5_000n })).toBe(6_000n);
  });

  it('keeps exact integers above 2^53: 20 h 0.001 s of GPU at 3e9 tokens per hour', () => {
    const charge = chargeFor(usage(72_000_001n), gpuOnly(3_000_000_000n * TOKEN));
    // 72,000,001 × 3e15 / 3.6e6 = 60,000,000,833,333,333.33… → rounded up
    expect(charge).toBe(60_000_000_833_333_334n);
    expect(charge > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('adds tokens per started thousand and bytes per started GiB, each rounded up on its own', () => {
    const price = rates({ perGpuHour: 0n, per1kTokens: 7n, perGib: 1_000n, minimumCharge: 0n });
    // tokens: ceil(1001 × 7 / 1000) = 8; bytes: ceil((2^30 + 1) × 1000 / 2^30) = 1001
    expect(chargeFor(usage(0n, 1_001n, 1_073_741_825n), price)).toBe(8n + 1_001n);
  });

  it('charges at least the minimum for any usage, and nothing for a report with no usage', () => {
    const price = rates({ perGpuHour: 3_600_000n, minimumCharge: 50n });
    expect(chargeFor(usage(10n), price)).toBe(50n);
    expect(chargeFor(usage(60n), price)).toBe(60n);
    expect(chargeFor(usage(0n), price)).toBe(0n);
  });

  it('refuses a charge beyond the int64 range of money fields', () => {
    expect(() => chargeFor(usage(18_446_744_073_709_551_615n), gpuOnly(3n * TOKEN))).toThrow(/int64/);
  });
});

describe('splitCharge', () => {
  it('rounds the protocol fee down and gives the provider the rest', () => {
    expect(splitCharge(999n, 500n)).toEqual({ tenantCharge: 999n, protocolFee: 49n, providerEarning: 950n });
    expect(splitCharge(19n, 10_000n)).toEqual({ tenantCharge: 19n, protocolFee: 19n, providerEarning: 0n });
    expect(splitCharge(19n, 0n)).toEqual({ tenantCharge: 19n, protocolFee: 0n, providerEarning: 19n });
  });

  it('keeps charge = earning + fee and fee = floor(charge × bps / 10000) for any int64 charge and fee (2,000 seeded runs)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 10_000n }), (charge, bps) => {
        const split = splitCharge(charge, bps);
        expect(split.providerEarning + split.protocolFee).toBe(charge);
        expect(split.protocolFee * 10_000n <= charge * bps).toBe(true);
        expect((split.protocolFee + 1n) * 10_000n > charge * bps).toBe(true);
        expect(split.providerEarning >= 0n).toBe(true);
      }),
      { numRuns: 2_000, seed: 20261124 },
    );
  });
});

describe('ceilDiv', () => {
  it('rounds up exactly at and around multiples', () => {
    expect([0n, 1n, 9n, 10n, 11n].map((n) => ceilDiv(n, 10n))).toEqual([0n, 1n, 1n, 1n, 2n]);
  });
});
