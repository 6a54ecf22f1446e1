import { evolveJobEvent } from './evolve-job-events.js';
import { evolveProviderEvent } from './evolve-provider-events.js';
import type { ProviderRegistry } from './provider-registry.js';
import type { RegistryEvent } from './registry-event.js';

/** Folds one provider or job event into placement's registry. Pure: returns a new state. */
export function evolveProviders(state: ProviderRegistry, event: RegistryEvent): ProviderRegistry {
  switch (event.type) {
    case 'ProviderRegistered':
    case 'ProviderHeartbeatMissed':
    case 'ProviderLost':
    case 'ProviderRecovered':
    case 'ProviderCapacityChanged':
    case 'ProviderInputsReported':
      return evolveProviderEvent(state, event);
    case 'JobSubmitted':
    case 'JobClassified':
    case 'JobQueued':
    case 'JobPlaced':
    case 'JobRequeued':
    case 'JobStarted':
    case 'JobCompleted':
    case 'JobFailed':
    case 'JobCancelled':
    case 'JobExpired':
    case 'JobExclusionRelaxed':
      return evolveJobEvent(state, event);
    default: {
      const unexpected: never = event;
      throw new Error(`unhandled registry event ${JSON.stringify(unexpected)}`);
    }
  }
}
