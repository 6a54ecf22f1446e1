// `@switchyard/metering/pricing`: the pricing deciders and the rate-card loader without the
// service (no NestJS, TypeORM or event log loaded), for intake's quotes and the CLI's replays.
export * from './domain/index.js';
export { defaultRateCardsPath, loadRateCards, parseRateCards, RateCardError, type RateCardIssue } from './rate-card/index.js';
