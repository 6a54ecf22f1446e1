// Public entry: the module lets a launcher host this service in-process; the pricing deciders
// (meterUsage, quoteJob) and the rate-card loader are what intake's QuoteJob and the CLI use.
export { MeteringModule } from './metering.module.js';
export * from './domain/index.js';
export { defaultRateCardsPath, loadRateCards, parseRateCards, RateCardError, type RateCardIssue } from './rate-card/index.js';
