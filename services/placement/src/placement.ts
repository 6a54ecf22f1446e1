// Placement's one start-up call: its schema and migrations, the event log and its topics, and
// switchyard.v1.ProviderService in front of the scheduler. The scheduler consumes the jobs topic
// and runs the outbox relay itself (only the leader consumes), so no consumer group is mounted.
import { apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { startEventService, type RunningEventService } from '@switchyard/service-host';
import type { PlacementConfig } from './config.js';
import { placementMigrations } from './persistence/placement-data-source.js';
import { PlacementModule } from './placement.module.js';

export interface StartPlacementOptions {
  /** Exit on SIGTERM/SIGINT (the process's own); off when a test runner hosts the service. */
  readonly handleSignals?: boolean;
}

export function startPlacement(config: PlacementConfig, options: StartPlacementOptions = {}): Promise<RunningEventService> {
  return startEventService({
    name: 'placement',
    config,
    // The address is fixed before the module starts: the scheduler advertises it to standbys.
    module: ({ address }) =>
      PlacementModule.register(config.advertisedAddress === config.grpcUrl ? { ...config, advertisedAddress: address } : config),
    protos: { files: [apiProtoFiles.providerService], packages: [apiPackageName], includeDirs: [protoRoot] },
    topics: ['jobs', 'providers', 'usage'],
    migrations: placementMigrations,
    migrationsTableName: 'placement_migrations',
    eventLog: { pollIntervalMs: 500 },
    relay: false,
    handleSignals: options.handleSignals ?? true,
  });
}
