// Integer pricing. Every quantity is a bigint; each component is rounded up on its own (the
// tenant pays for any started unit), then the minimum charge applies, then the fee is rounded
// down and the provider gets the rest, so charge === earning + fee holds exactly.
import type { GpuClassRates } from './rate-card.js';
import { MeteringError } from './metering-error.js';

export const MS_PER_HOUR = 3_600_000n;
export const TOKENS_PER_PRICE_UNIT = 1_000n;
export const BYTES_PER_GIB = 1_073_741_824n;
export const BYTES_PER_GB = 1_000_000_000n;
export const BPS_DENOMINATOR = 10_000n;
/** Money fields are proto int64. */
export const INT64_MAX = 9_223_372_036_854_775_807n;

export interface UsageQuantities {
  readonly gpuMilliseconds: bigint;
  readonly tokens: bigint;
  readonly bytes: bigint;
  /** Of `bytes`, the job inputs the provider fetched. */
  readonly fetchedBytes?: bigint;
}

export interface ChargeSplit {
  readonly tenantCharge: bigint;
  readonly providerEarning: bigint;
  readonly protocolFee: bigint;
}

/** ceil(numerator / denominator) for numerator >= 0, denominator > 0. */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/** What the tenant is charged for `usage` at `rates`, before the split. */
export function chargeFor(usage: UsageQuantities, rates: GpuClassRates): bigint {
  const { gpuMilliseconds, tokens, bytes } = usage;
  const fetchedBytes = usage.fetchedBytes ?? 0n;
  if (gpuMilliseconds === 0n && tokens === 0n && bytes === 0n && fetchedBytes === 0n) return 0n;
  const metered =
    ceilDiv(gpuMilliseconds * rates.perGpuHour, MS_PER_HOUR) +
    ceilDiv(tokens * rates.per1kTokens, TOKENS_PER_PRICE_UNIT) +
    ceilDiv(bytes * rates.perGib, BYTES_PER_GIB) +
    transferCharge(fetchedBytes, rates);
  const charge = metered > rates.minimumCharge ? metered : rates.minimumCharge;
  if (charge > INT64_MAX) throw new MeteringError('AMOUNT_OUT_OF_RANGE', `charge ${charge} exceeds the int64 range of money fields`);
  return charge;
}

/** The fetched inputs at the rate card's price per GB fetched, rounded up: ceil(fetched × per_gb_fetched / 10^9). */
export function transferCharge(fetchedBytes: bigint, rates: Pick<GpuClassRates, 'perGbFetched'>): bigint {
  return ceilDiv(fetchedBytes * (rates.perGbFetched ?? 0n), BYTES_PER_GB);
}

/** fee = floor(charge × bps / 10000); earning = charge − fee. */
export function splitCharge(tenantCharge: bigint, protocolFeeBps: bigint): ChargeSplit {
  const protocolFee = (tenantCharge * protocolFeeBps) / BPS_DENOMINATOR;
  return { tenantCharge, providerEarning: tenantCharge - protocolFee, protocolFee };
}
