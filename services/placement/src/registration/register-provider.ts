// RegisterProvider: an operator (authenticated by its API key) offers a provider's GPUs. The row,
// its capacity rows, its token hash and the ProviderRegistered outbox row commit together.
// Re-registering the same endpoint returns the same provider id with a new token (the old one
// stops working: re-registering is how a provider that lost its token gets a new one).
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { api, events } from '@switchyard/contracts';
import { DataSource } from 'typeorm';
import { CapacitySignal } from '../capacity-signal.js';
import type { PlacementConfig } from '../config.js';
import { newProviderToken, sha256Hex } from '../credentials/secrets.js';
import { providerEnvelope } from '../event-envelopes.js';
import { PlacementEvents } from '../placement-events.js';
import { insertProvider, lockProviderByEndpoint, setCapacityTotals, updateProviderOffer, type NewProvider, type ProviderRow } from '../persistence/provider-rows.js';
import { rows } from '../persistence/sql.js';
import { NotPermitted, StateConflict } from '../rejections.js';
import { PLACEMENT_CONFIG } from '../tokens.js';
import { validateRegistration } from './registration-validation.js';
import { toTimestamp } from '../domain/index.js';

export interface Registration {
  providerId: string;
  /** Shown once; only its hash is stored. */
  providerToken: string;
  heartbeatIntervalMs: number;
}

@Injectable()
export class RegisterProvider {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PlacementEvents,
    private readonly capacity: CapacitySignal,
    @Inject(PLACEMENT_CONFIG) private readonly config: PlacementConfig,
  ) {}

  async register(callerOperatorId: string, request: api.RegisterProviderRequest, receivedAt: Date): Promise<Registration> {
    validateRegistration(request);
    if (request.operatorId !== callerOperatorId) {
      throw new NotPermitted(`operator_id ${request.operatorId} is not the operator these credentials belong to`);
    }
    const token = newProviderToken();
    const offer: Omit<NewProvider, 'providerId'> = {
      operatorId: request.operatorId,
      endpoint: request.endpoint,
      region: request.region,
      jurisdiction: request.jurisdiction,
      gpus: request.gpus.map((g) => ({ gpuClass: g.gpuClass, count: g.count, vramGib: g.vramGib })),
      pricePerGpuHourBaseUnits: String(request.pricePerGpuHourBaseUnits),
      advertisedLatencyMs: request.advertisedLatencyMs,
      tokenHash: sha256Hex(token),
      registeredAt: receivedAt,
    };
    const providerId = await this.dataSource.transaction(async (manager) => {
      const fresh = { ...offer, providerId: `prv_${randomUUID()}` };
      // A concurrent registration of the same endpoint waits on the unique key, then inserts nothing.
      if (await insertProvider(manager, fresh)) {
        await setCapacityTotals(manager, fresh.providerId, fresh.gpus);
        await this.events.providers(manager, providerEnvelope({ providerRegistered: registered(fresh) }, receivedAt));
        return fresh.providerId;
      }
      const existing = await lockProviderByEndpoint(manager, offer.operatorId, offer.endpoint);
      if (existing === undefined) throw new Error(`provider at ${offer.endpoint} vanished during registration`);
      const updated = { ...offer, providerId: existing.providerId, registeredAt: existing.registeredAt };
      await updateProviderOffer(manager, updated);
      await this.resizeCapacity(manager, updated);
      if (offerChanged(existing, updated)) {
        await this.events.providers(manager, providerEnvelope({ providerRegistered: { ...registered(updated), registeredAt: toTimestamp(receivedAt.getTime()) } }, receivedAt));
      }
      return existing.providerId;
    });
    this.capacity.raise();
    return { providerId, providerToken: token, heartbeatIntervalMs: this.config.heartbeatIntervalMs };
  }

  private async resizeCapacity(manager: import('typeorm').EntityManager, provider: NewProvider): Promise<void> {
    const byClass = new Map<string, number>();
    for (const g of provider.gpus) byClass.set(g.gpuClass, (byClass.get(g.gpuClass) ?? 0) + g.count);
    const reserved = await rows<{ gpu_class: string; reserved: number }>(
      manager,
      'SELECT gpu_class, reserved FROM provider_capacity WHERE provider_id = $1 AND reserved > 0 FOR UPDATE',
      [provider.providerId],
    );
    for (const r of reserved) {
      if ((byClass.get(r.gpu_class) ?? 0) < r.reserved) {
        throw new StateConflict(
          `provider ${provider.providerId} holds ${r.reserved} ${r.gpu_class} GPUs for placed jobs; the new inventory offers ${byClass.get(r.gpu_class) ?? 0}`,
          'PROVIDER_CAPACITY_IN_USE',
          provider.providerId,
        );
      }
    }
    await setCapacityTotals(manager, provider.providerId, provider.gpus);
  }
}

function registered(p: NewProvider): events.ProviderRegistered {
  return {
    providerId: p.providerId,
    operatorId: p.operatorId,
    region: p.region,
    jurisdiction: p.jurisdiction,
    gpus: [...p.gpus],
    pricePerGpuHourBaseUnits: p.pricePerGpuHourBaseUnits,
    advertisedLatencyMs: p.advertisedLatencyMs,
    endpoint: p.endpoint,
    registeredAt: toTimestamp(p.registeredAt.getTime()),
  };
}

function offerChanged(before: ProviderRow, after: NewProvider): boolean {
  const gpus = (list: readonly api.GpuInventory[]): string =>
    JSON.stringify(list.map((g) => [g.gpuClass, g.count, g.vramGib]).sort());
  return (
    before.region !== after.region ||
    before.jurisdiction !== after.jurisdiction ||
    before.pricePerGpuHourBaseUnits !== after.pricePerGpuHourBaseUnits ||
    before.advertisedLatencyMs !== after.advertisedLatencyMs ||
    gpus(before.gpus) !== gpus(after.gpus)
  );
}
