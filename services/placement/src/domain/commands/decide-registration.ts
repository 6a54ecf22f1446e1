import type { api, events } from '@switchyard/contracts/messages';
import { endpointKey, type ProviderRegistry, type ProviderState } from '../registry/provider-registry.js';
import { toTimestamp } from '../time.js';

/** A validated RegisterProviderRequest from an authenticated operator. */
export interface RegistrationInput {
  readonly operatorId: string;
  readonly region: string;
  readonly jurisdiction: string;
  readonly gpus: readonly api.GpuInventory[];
  readonly pricePerGpuHourBaseUnits: string;
  readonly advertisedLatencyMs: number;
  readonly endpoint: string;
  /** Ingress bandwidth, Mbit/s (0 = not stated); transfer price per GB, decimal base units; digests held. */
  readonly ingressMbps?: number;
  readonly transferPricePerGbBaseUnits?: string;
  readonly heldDigests?: readonly string[];
  readonly receivedAtMs: number;
  /** The id a new provider gets (the shell draws it; a re-registration keeps the old one). */
  readonly newProviderId: string;
}

export type RegistrationDecision =
  | {
      readonly kind: 'registered';
      readonly providerId: string;
      readonly isNew: boolean;
      /** Undefined when an existing provider offers exactly what it offered before. */
      readonly event: events.ProviderRegistered | undefined;
    }
  /** A re-registration offering fewer GPUs of a class than placed jobs hold there. */
  | {
      readonly kind: 'capacity-in-use';
      readonly providerId: string;
      readonly gpuClass: string;
      readonly held: number;
      readonly offered: number;
    };

/**
 * Registering the same endpoint again as the same operator is idempotent for the provider: same
 * id, reservations, liveness and track record, and no new ProviderRegistered unless the offer
 * changed. (The shell issues a new token and restarts the heartbeat sequence either way.)
 */
export function decideRegistration(registry: ProviderRegistry, input: RegistrationInput): RegistrationDecision {
  const existingId = registry.endpoints.get(endpointKey(input.operatorId, input.endpoint));
  const existing = existingId === undefined ? undefined : registry.providers.get(existingId);
  const providerId = existing?.providerId ?? input.newProviderId;
  const offered = (gpuClass: string): number => input.gpus.filter((g) => g.gpuClass === gpuClass).reduce((n, g) => n + g.count, 0);
  if (existing !== undefined) {
    for (const [gpuClass, held] of Object.entries(existing.placedGpusByClass)) {
      if (held > offered(gpuClass)) return { kind: 'capacity-in-use', providerId, gpuClass, held, offered: offered(gpuClass) };
    }
  }
  const event: events.ProviderRegistered = {
    providerId,
    operatorId: input.operatorId,
    region: input.region,
    jurisdiction: input.jurisdiction,
    gpus: input.gpus.map((g) => ({ gpuClass: g.gpuClass, count: g.count, vramGib: g.vramGib })),
    pricePerGpuHourBaseUnits: input.pricePerGpuHourBaseUnits,
    advertisedLatencyMs: input.advertisedLatencyMs,
    endpoint: input.endpoint,
    registeredAt: toTimestamp(input.receivedAtMs),
    ingressMbps: input.ingressMbps ?? 0,
    transferPricePerGbBaseUnits: input.transferPricePerGbBaseUnits ?? '0',
    heldDigests: [...new Set(input.heldDigests ?? [])].sort(),
  };
  if (existing === undefined) return { kind: 'registered', providerId, isNew: true, event };
  return { kind: 'registered', providerId, isNew: false, event: offerChanged(existing, event) ? event : undefined };
}

function offerChanged(before: ProviderState, after: events.ProviderRegistered): boolean {
  const gpus = (list: readonly api.GpuInventory[]): string => JSON.stringify(list.map((g) => [g.gpuClass, g.count, g.vramGib]).sort());
  return (
    before.region !== after.region ||
    before.jurisdiction !== after.jurisdiction ||
    before.pricePerGpuHour.toString() !== after.pricePerGpuHourBaseUnits ||
    before.advertisedLatencyMs !== after.advertisedLatencyMs ||
    gpus(before.gpus) !== gpus(after.gpus) ||
    before.ingressMbps !== after.ingressMbps ||
    before.transferPricePerGb.toString() !== after.transferPricePerGbBaseUnits ||
    before.heldDigests.size !== after.heldDigests.length ||
    after.heldDigests.some((d) => !before.heldDigests.has(d))
  );
}
