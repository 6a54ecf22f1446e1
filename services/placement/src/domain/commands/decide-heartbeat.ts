import { api } from '@switchyard/contracts/messages';
import type { ProviderRegistry } from '../registry/provider-registry.js';
import type { ProviderFamilyEvent } from '../registry/registry-event.js';
import { toTimestamp } from '../time.js';

/** A heartbeat as the edge received it: the time is the receive time, never the request's. */
export interface HeartbeatInput {
  readonly providerId: string;
  /** Decimal uint64, positive (validated at the edge). */
  readonly sequence: string;
  readonly gpusInUse: number;
  readonly health: api.HealthStatus;
  readonly receivedAtMs: number;
  /** Job inputs the provider came to hold, and evicted, since its previous heartbeat (content digests). */
  readonly addedDigests?: readonly string[];
  readonly evictedDigests?: readonly string[];
}

export type HeartbeatDecision =
  /** At or below the last sequence taken: late or replayed, changes nothing. */
  | { readonly kind: 'stale' }
  | { readonly kind: 'invalid'; readonly field: string; readonly description: string }
  /** Taken: its time counts for liveness; events only for what changed (a comeback, capacity or health). */
  | { readonly kind: 'recorded'; readonly events: ProviderFamilyEvent[] };

export function decideHeartbeat(registry: ProviderRegistry, input: HeartbeatInput): HeartbeatDecision {
  const provider = registry.providers.get(input.providerId);
  if (provider === undefined) return { kind: 'invalid', field: 'provider_id', description: 'not a registered provider' };
  if (BigInt(input.sequence) <= BigInt(provider.heartbeatSequence)) return { kind: 'stale' };
  if (input.gpusInUse > provider.totalGpus) {
    return { kind: 'invalid', field: 'gpus_in_use', description: `more than the ${provider.totalGpus} GPUs this provider registered` };
  }
  const health = input.health === api.HealthStatus.HEALTH_STATUS_UNSPECIFIED ? provider.health : input.health;
  const at = toTimestamp(input.receivedAtMs);
  const events: ProviderFamilyEvent[] = [];
  if (provider.status !== 'ACTIVE') events.push({ type: 'ProviderRecovered', data: { providerId: provider.providerId, recoveredAt: at } });
  // Only what changes the holdings is recorded: re-announcing a held digest, or evicting one that
  // was never held, is no event.
  const added = [...new Set(input.addedDigests ?? [])].filter((d) => !provider.heldDigests.has(d)).sort();
  const evicted = [...new Set(input.evictedDigests ?? [])].filter((d) => provider.heldDigests.has(d) && !added.includes(d)).sort();
  if (input.gpusInUse !== provider.reportedGpusInUse || health !== provider.health || added.length > 0 || evicted.length > 0) {
    events.push({
      type: 'ProviderCapacityChanged',
      data: {
        providerId: provider.providerId,
        totalGpus: provider.totalGpus,
        gpusInUse: input.gpusInUse,
        health,
        heartbeatSequence: input.sequence,
        changedAt: at,
        addedDigests: added,
        evictedDigests: evicted,
      },
    });
  }
  return { kind: 'recorded', events };
}
