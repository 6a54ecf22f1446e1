import { payoutConfigFromEnv } from './config.js';
import { startPayout } from './payout.js';

await startPayout(payoutConfigFromEnv(process.env));
