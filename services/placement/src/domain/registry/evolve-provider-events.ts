import { api, type events } from '@switchyard/contracts/messages';
import { toEpochMillis } from '../time.js';
import { endpointKey, indexHeldDigests, NO_DIGESTS, type ProviderRegistry, type ProviderState } from './provider-registry.js';
import type { ProviderFamilyEvent } from './registry-event.js';

export function evolveProviderEvent(state: ProviderRegistry, event: ProviderFamilyEvent): ProviderRegistry {
  switch (event.type) {
    case 'ProviderRegistered': {
      const previous = state.providers.get(event.data.providerId);
      const provider = registered(previous, event.data);
      indexHeldDigests(state, provider.providerId, previous?.heldDigests ?? NO_DIGESTS, provider.heldDigests);
      state.providers.set(provider.providerId, provider);
      state.endpoints.set(endpointKey(provider.operatorId, provider.endpoint), provider.providerId);
      return state;
    }
    case 'ProviderHeartbeatMissed':
      return updateProvider(state, event.data.providerId, (p) => ({
        ...p,
        status: p.status === 'LOST' ? 'LOST' : 'SUSPECT',
        missedHeartbeats: event.data.missedCount,
      }));
    case 'ProviderLost':
      return updateProvider(state, event.data.providerId, (p) => ({
        ...p,
        status: 'LOST',
        track: { ...p.track, losses: p.track.losses + 1 },
      }));
    case 'ProviderRecovered':
      return updateProvider(state, event.data.providerId, (p) => ({
        ...p,
        status: 'ACTIVE',
        missedHeartbeats: 0,
        lastHeartbeatAtMs: Math.max(p.lastHeartbeatAtMs, toEpochMillis(event.data.recoveredAt)),
      }));
    case 'ProviderCapacityChanged':
      return updateProvider(state, event.data.providerId, (p) => {
        const heldDigests = changedHoldings(p.heldDigests, event.data.addedDigests ?? [], event.data.evictedDigests ?? []);
        indexHeldDigests(state, p.providerId, p.heldDigests, heldDigests);
        return {
          ...p,
          totalGpus: event.data.totalGpus,
          reportedGpusInUse: event.data.gpusInUse,
          health: event.data.health,
          heartbeatSequence: event.data.heartbeatSequence || p.heartbeatSequence,
          lastHeartbeatAtMs: Math.max(p.lastHeartbeatAtMs, toEpochMillis(event.data.changedAt)),
          heldDigests,
        };
      });
    case 'ProviderInputsReported':
      return updateProvider(state, event.data.providerId, (p) => {
        const { addedDigests, misclaimedDigests } = event.data;
        // A misclaimed input was not there; one the run kept is there now.
        const heldDigests = changedHoldings(p.heldDigests, addedDigests, misclaimedDigests);
        indexHeldDigests(state, p.providerId, p.heldDigests, heldDigests);
        const track = misclaimedDigests.length > 0 ? { ...p.track, misclaims: p.track.misclaims + 1 } : p.track;
        return { ...p, heldDigests, track };
      });
    default: {
      const unexpected: never = event;
      throw new Error(`unhandled provider event ${JSON.stringify(unexpected)}`);
    }
  }
}

/**
 * A heartbeat that changed nothing is not an event in the log, but liveness needs its time: the
 * scheduler records it here. Liveness outcomes are events (ProviderHeartbeatMissed/Lost/Recovered),
 * so replaying the log never needs these heartbeats.
 */
export function heartbeatReceived(state: ProviderRegistry, providerId: string, atMs: number, sequence?: string): ProviderRegistry {
  return updateProvider(state, providerId, (p) => ({
    ...p,
    lastHeartbeatAtMs: Math.max(p.lastHeartbeatAtMs, atMs),
    heartbeatSequence: sequence ?? p.heartbeatSequence,
  }));
}

/** Holdings after a heartbeat's additions and evictions (an evicted digest that is also added stays held); the same set when nothing changes. */
export function changedHoldings(before: ReadonlySet<string>, added: readonly string[], evicted: readonly string[]): ReadonlySet<string> {
  if (added.every((d) => before.has(d)) && evicted.every((d) => !before.has(d) || added.includes(d))) return before;
  const after = new Set(before);
  for (const digest of evicted) after.delete(digest);
  for (const digest of added) after.add(digest);
  return after;
}

// Re-registration updates what the provider offers but keeps its record and Switchyard's placements.
function registered(previous: ProviderState | undefined, data: events.ProviderRegistered): ProviderState {
  return {
    providerId: data.providerId,
    operatorId: data.operatorId,
    endpoint: data.endpoint,
    region: data.region,
    jurisdiction: data.jurisdiction,
    gpus: data.gpus.map((g) => ({ ...g })),
    pricePerGpuHour: BigInt(data.pricePerGpuHourBaseUnits || '0'),
    advertisedLatencyMs: data.advertisedLatencyMs,
    health: previous?.health ?? api.HealthStatus.HEALTH_STATUS_HEALTHY,
    status: 'ACTIVE',
    totalGpus: data.gpus.reduce((sum, g) => sum + g.count, 0),
    reportedGpusInUse: previous?.reportedGpusInUse ?? 0,
    placedGpusByClass: previous?.placedGpusByClass ?? {},
    lastHeartbeatAtMs: toEpochMillis(data.registeredAt),
    heartbeatSequence: '0',
    missedHeartbeats: 0,
    track: previous?.track ?? { completions: 0, failures: 0, losses: 0, misclaims: 0 },
    ingressMbps: data.ingressMbps ?? 0,
    transferPricePerGb: BigInt(data.transferPricePerGbBaseUnits || '0'),
    // Registration lists everything the provider holds: it replaces what was known.
    heldDigests: new Set(data.heldDigests ?? []),
  };
}

// An event about a provider that never registered changes nothing (nothing to place on).
export function updateProvider(
  state: ProviderRegistry,
  providerId: string,
  change: (provider: ProviderState) => ProviderState,
): ProviderRegistry {
  const provider = state.providers.get(providerId);
  if (provider !== undefined) state.providers.set(providerId, change(provider));
  return state;
}
