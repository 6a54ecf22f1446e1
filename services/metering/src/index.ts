// Public entry: the module lets a launcher host this service in-process; the pricing deciders
// (meterUsage, quoteJob) and the rate-card loader are what intake's QuoteJob and the CLI use
// (also on their own as `@switchyard/metering/pricing`).
export { MeteringModule } from './metering.module.js';
export { meteringConfigFromEnv, type MeteringConfig } from './config.js';
export { startMetering, type StartMeteringOptions } from './metering.js';
export * from './pricing.js';
