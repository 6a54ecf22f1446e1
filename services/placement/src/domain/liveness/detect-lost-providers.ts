import type { api, events } from '@switchyard/contracts';
import type { PlacementPolicy } from '../placement-policy.js';
import type { ProviderRegistry, ProviderState } from '../registry/provider-registry.js';
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
  return Object.values(registry.providers)
    .sort((a, b) => (a.providerId < b.providerId ? -1 : a.providerId > b.providerId ? 1 : 0))
    .flatMap((provider) => livenessOf(provider, registry, nowMs, policy));
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

/** Ids of the jobs placed on or running at a provider, sorted. */
export function jobsHeldBy(registry: ProviderRegistry, providerId: string): string[] {
  return Object.values(registry.jobs)
    .filter((job) => job.providerId === providerId && (job.state === 'PLACED' || job.state === 'RUNNING'))
    .map((job) => job.jobId)
    .sort();
}
