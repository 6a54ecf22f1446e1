// Public entry: the module lets a launcher host this service in-process. The deciders the CLI
// replays are also exported on their own from `@switchyard/placement/domain` (no NestJS loaded).
export { PlacementModule } from './placement.module.js';
export { placementConfigFromEnv, type PlacementConfig } from './config.js';
export { startPlacement, type StartPlacementOptions } from './placement.js';
export * from './domain/index.js';
