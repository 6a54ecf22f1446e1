export { epochMsOf, timestampOfMs } from './instant.js';
export { MeteringError, type MeteringErrorCode } from './metering-error.js';
export { PRICED_TIERS, rateCardAt, ratesFor, type GpuClassRates, type PricedTier, type RateCard } from './rate-card.js';
export {
  BPS_DENOMINATOR,
  BYTES_PER_GIB,
  INT64_MAX,
  MS_PER_HOUR,
  TOKENS_PER_PRICE_UNIT,
  ceilDiv,
  chargeFor,
  splitCharge,
  type ChargeSplit,
  type UsageQuantities,
} from './price-usage.js';
export { decideUsageReport, meteredAtOf, meterUsage, usageIdOf, type MeteredJob, type UsageReportDecision } from './meter-usage.js';
export { highestWorstCasePrice, quoteJob, worstCaseGpuMilliseconds, type QuotedTiers } from './quote-job.js';
