// Public entry: the module lets a launcher host this service in-process; domain deciders join it.
export { PlacementModule } from './placement.module.js';
export { placementTransports } from './event-log.transport.js';
export * from './domain/index.js';
