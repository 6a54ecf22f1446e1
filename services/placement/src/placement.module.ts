import { readFileSync } from 'node:fs';
import { Module, type DynamicModule } from '@nestjs/common';
import { parseDocument } from 'yaml';
import { AssignmentFeed } from './assignments/assignment-feed.js';
import { ConfigurationError, type PlacementConfig } from './config.js';
import { CallerCredentials } from './credentials/caller-credentials.js';
import { CallerDirectory } from '@switchyard/access';
import { defaultPlacementPolicy, placementPolicyFrom, PlacementPolicyFileError, type PlacementPolicy } from './domain/index.js';
import { ProviderGrpcController } from './provider.grpc.controller.js';
import { PlacementScheduler } from './scheduler/placement-scheduler.js';
import { OPERATOR_CREDENTIALS, PLACEMENT_CONFIG, PLACEMENT_POLICY } from './tokens.js';

/**
 * The policy in force: the file's (PLACEMENT_POLICY_FILE) or the shipped default, with the
 * liveness timing this deployment configured. A file that does not read or parse stops start-up
 * with what is wrong with it.
 */
function policyOf(config: PlacementConfig): PlacementPolicy {
  const policy = config.policyFile === undefined ? defaultPlacementPolicy : policyFromFile(config.policyFile);
  const { liveness } = policy;
  return {
    ...policy,
    liveness: {
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      suspectAfterMissed: config.suspectAfterMissed ?? liveness.suspectAfterMissed,
      lostAfterMissed: config.lostAfterMissed ?? liveness.lostAfterMissed,
    },
  };
}

function policyFromFile(path: string): PlacementPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `PLACEMENT_POLICY_FILE ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const document = parseDocument(text);
  if (document.errors.length > 0)
    throw new ConfigurationError(`PLACEMENT_POLICY_FILE ${path} is not valid YAML/JSON: ${document.errors[0]!.message.split('\n')[0]}`);
  try {
    return placementPolicyFrom(document.toJS() as unknown, path);
  } catch (error) {
    if (error instanceof PlacementPolicyFileError) throw new ConfigurationError(`PLACEMENT_POLICY_FILE: ${error.message}`);
    throw error;
  }
}

/**
 * Root module of the placement service: the provider API in front of the in-memory scheduler.
 * The host (startEventService) adds the DataSource and the event log (EVENT_LOG).
 */
@Module({})
export class PlacementModule {
  static register(config: PlacementConfig): DynamicModule {
    return {
      module: PlacementModule,
      controllers: [ProviderGrpcController],
      providers: [
        { provide: PLACEMENT_CONFIG, useValue: config },
        { provide: PLACEMENT_POLICY, useValue: policyOf(config) },
        { provide: OPERATOR_CREDENTIALS, useFactory: () => CallerDirectory.fromFiles({ operatorsFile: config.operatorCredentialsFile }) },
        AssignmentFeed,
        PlacementScheduler,
        CallerCredentials,
      ],
    };
  }
}
