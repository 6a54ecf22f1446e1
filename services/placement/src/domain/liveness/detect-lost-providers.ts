import type { api, events } from '@switchyard/contracts/messages';
import type { PlacementPolicy } from '../placement-policy.js';
import { jobsHeldBy, type ProviderRegistry, type ProviderState } from '../registry/provider-registry.js';
import { toEpochMillis, toTimestamp } from '../time.js';

export type LivenessEvent =
  | { type: 'ProviderHeartbeatMissed'; data: events.ProviderHeartbeatMissed }
  | { type: 'ProviderLost'; data: events.ProviderLost }
  | { type: 'ProviderRecovered'; data: events.ProviderRecovered };

/**
 * Liveness at `now` (the time of the tick or event that triggered the check): a provider that
 * missed `suspectAfterMissed` heartbeat intervals is SUSPECT (no new work), one that missed
 * `lostAfterMissed` is LOST with the jobs placed on or running at it, and a SUSPECT or LOST one
 * whose heartbeat is fresh again has RECOVERED. Missed counts are only reported when they grow,
 * so calling this on every tick does not repeat events.
 */
export function detectLostProviders(registry: ProviderRegistry, now: api.Timestamp, policy: PlacementPolicy): LivenessEvent[] {
  const nowMs = toEpochMillis(now);
  const found: LivenessEvent[] = [];
  for (const provider of registry.providers.values()) found.push(...livenessOf(provider, registry, nowMs, policy));
  // In provider id order, as a replay must produce them; only the (few) events are sorted.
  return found.sort((a, b) => (a.data.providerId < b.data.providerId ? -1 : a.data.providerId > b.data.providerId ? 1 : 0));
}

function livenessOf(provider: ProviderState, registry: ProviderRegistry, nowMs: number, policy: PlacementPolicy): LivenessEvent[] {
  const { heartbeatIntervalMs, suspectAfterMissed, lostAfterMissed } = policy.liveness;
  const missed = Math.max(0, Math.floor((nowMs - provider.lastHeartbeatAtMs) / heartbeatIntervalMs));
  const { providerId } = provider;
  const lastHeartbeatAt = toTimestamp(provider.lastHeartbeatAtMs);
  const at = toTimestamp(nowMs);

  if (missed < suspectAfterMissed) {
    return provider.status === 'ACTIVE' ? [] : [{ type: 'ProviderRecovered', data: { providerId, recoveredAt: at } }];
  }
  if (provider.status === 'LOST') return [];
  if (missed >= lostAfterMissed) {
    return [{ type: 'ProviderLost', data: { providerId, lastHeartbeatAt, jobIds: jobsHeldBy(registry, providerId), lostAt: at } }];
  }
  if (missed <= provider.missedHeartbeats) return [];
  return [{ type: 'ProviderHeartbeatMissed', data: { providerId, lastHeartbeatAt, missedCount: missed, detectedAt: at } }];
}
