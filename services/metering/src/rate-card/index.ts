export { defaultRateCardsPath, loadRateCards } from './load-rate-cards.js';
export { parseRateCards } from './parse-rate-cards.js';
export { RateCardError, type RateCardIssue } from './rate-card-error.js';
