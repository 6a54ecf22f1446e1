import { placementConfigFromEnv } from './config.js';
import { startPlacement } from './placement.js';

await startPlacement(placementConfigFromEnv(process.env));
