// Public entry: the module lets a launcher host this service in-process; the pure ledger is what
// the CLI replays.
export { PayoutModule } from './payout.module.js';
export { payoutConfigFromEnv, type PayoutConfig } from './config.js';
export { startPayout, type StartPayoutOptions } from './payout.js';
export * from './domain/index.js';
