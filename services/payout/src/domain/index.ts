// The payout service's pure ledger: what the service runs and the CLI replays.
export * from './accounts.js';
export * from './posting.js';
export * from './post-usage.js';
export * from './penalties.js';
export * from './close-epoch.js';
export * from './spending-cap.js';
export { LedgerBook } from './ledger-book.js';
export { postingFromEvent, replayLedger } from './replay-ledger.js';
