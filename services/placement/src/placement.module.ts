import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AssignmentFeed } from './assignments/assignment-feed.js';
import { placementConfigFromEnv, type PlacementConfig } from './config.js';
import { CallerCredentials } from './credentials/caller-credentials.js';
import { OperatorCredentials } from './credentials/operator-credentials.js';
import { defaultPlacementPolicy, type PlacementPolicy } from './domain/index.js';
import { openPlacementDatabase } from './persistence/placement-data-source.js';
import { openPlacementEventLog, PlacementResources } from './placement-resources.js';
import { ProviderGrpcController } from './provider.grpc.controller.js';
import { PlacementScheduler } from './scheduler/placement-scheduler.js';
import { EVENT_LOG, OPERATOR_CREDENTIALS, PLACEMENT_CONFIG, PLACEMENT_POLICY } from './tokens.js';

/** The policy in force: the default, with the liveness timing this deployment configured. */
function policyOf(config: PlacementConfig): PlacementPolicy {
  const { liveness } = defaultPlacementPolicy;
  return {
    ...defaultPlacementPolicy,
    liveness: {
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      suspectAfterMissed: config.suspectAfterMissed ?? liveness.suspectAfterMissed,
      lostAfterMissed: config.lostAfterMissed ?? liveness.lostAfterMissed,
    },
  };
}

/** Root module of the placement service: the provider API in front of the in-memory scheduler. */
@Module({
  controllers: [ProviderGrpcController],
  providers: [
    { provide: PLACEMENT_CONFIG, useFactory: () => placementConfigFromEnv() },
    { provide: PLACEMENT_POLICY, useFactory: policyOf, inject: [PLACEMENT_CONFIG] },
    { provide: EVENT_LOG, useFactory: openPlacementEventLog, inject: [PLACEMENT_CONFIG] },
    {
      provide: OPERATOR_CREDENTIALS,
      useFactory: (config: PlacementConfig) =>
        config.operatorCredentialsFile === undefined ? OperatorCredentials.empty() : OperatorCredentials.fromFile(config.operatorCredentialsFile),
      inject: [PLACEMENT_CONFIG],
    },
    {
      provide: DataSource,
      useFactory: (config: PlacementConfig) => openPlacementDatabase(config.databaseUrl, config.databaseSchema),
      inject: [PLACEMENT_CONFIG],
    },
    AssignmentFeed,
    PlacementScheduler,
    CallerCredentials,
    PlacementResources,
  ],
})
export class PlacementModule {}
