import { meteringConfigFromEnv } from './config.js';
import { startMetering } from './metering.js';

await startMetering(meteringConfigFromEnv(process.env));
