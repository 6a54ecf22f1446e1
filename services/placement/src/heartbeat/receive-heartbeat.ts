// Heartbeat: the provider is alive at the time the call arrived (taken at the edge, never from
// the request). A sequence at or below the last one seen is a late or replayed heartbeat and
// changes nothing. Events only for what changed: capacity or health, or a comeback.
import { Inject, Injectable } from '@nestjs/common';
import { api } from '@switchyard/contracts';
import { DataSource } from 'typeorm';
import { CapacitySignal } from '../capacity-signal.js';
import type { PlacementConfig } from '../config.js';
import { toTimestamp } from '../domain/index.js';
import { providerEnvelope } from '../event-envelopes.js';
import { PlacementEvents } from '../placement-events.js';
import { lockProvider, recordHeartbeat } from '../persistence/provider-rows.js';
import { InvalidRequest, NotPermitted } from '../rejections.js';
import { PLACEMENT_CONFIG } from '../tokens.js';

export type HeartbeatOutcome = 'recorded' | 'stale';

@Injectable()
export class ReceiveHeartbeat {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PlacementEvents,
    private readonly capacity: CapacitySignal,
    @Inject(PLACEMENT_CONFIG) private readonly config: PlacementConfig,
  ) {}

  get intervalMs(): number {
    return this.config.heartbeatIntervalMs;
  }

  async receive(callerProviderId: string, request: api.HeartbeatRequest, receivedAt: Date): Promise<HeartbeatOutcome> {
    validate(request);
    if (request.providerId !== callerProviderId) throw new NotPermitted(`provider_id ${request.providerId} is not the provider these credentials belong to`);
    const sequence = BigInt(request.sequence);
    let capacityMayHaveGrown = false;
    const outcome = await this.dataSource.transaction(async (manager): Promise<HeartbeatOutcome> => {
      const provider = await lockProvider(manager, callerProviderId);
      if (provider === undefined) throw new Error(`provider ${callerProviderId} has credentials but no row`);
      if (sequence <= BigInt(provider.lastHeartbeatSequence)) return 'stale';
      if (request.gpusInUse > provider.totalGpus) {
        throw new InvalidRequest([{ field: 'gpus_in_use', description: `more than the ${provider.totalGpus} GPUs this provider registered` }]);
      }
      const health = request.health === api.HealthStatus.HEALTH_STATUS_UNSPECIFIED ? provider.health : request.health;
      await recordHeartbeat(manager, provider.providerId, { at: receivedAt, sequence: sequence.toString(), gpusInUse: request.gpusInUse, health });
      const at = toTimestamp(receivedAt.getTime());
      if (provider.status !== 'ACTIVE') {
        capacityMayHaveGrown = true;
        await this.events.providers(manager, providerEnvelope({ providerRecovered: { providerId: provider.providerId, recoveredAt: at } }, receivedAt));
      }
      if (request.gpusInUse !== provider.reportedGpusInUse || health !== provider.health) {
        capacityMayHaveGrown ||= request.gpusInUse < provider.reportedGpusInUse || health !== provider.health;
        await this.events.providers(
          manager,
          providerEnvelope(
            {
              providerCapacityChanged: {
                providerId: provider.providerId,
                totalGpus: provider.totalGpus,
                gpusInUse: request.gpusInUse,
                health,
                heartbeatSequence: sequence.toString(),
                changedAt: at,
              },
            },
            receivedAt,
          ),
        );
      }
      return 'recorded';
    });
    if (capacityMayHaveGrown) this.capacity.raise();
    return outcome;
  }
}

function validate(request: api.HeartbeatRequest): void {
  const violations = [];
  if (request.providerId === '') violations.push({ field: 'provider_id', description: 'required' });
  if (!/^\d+$/.test(String(request.sequence)) || BigInt(request.sequence) === 0n) {
    violations.push({ field: 'sequence', description: 'must be a positive, strictly increasing number' });
  }
  if (violations.length > 0) throw new InvalidRequest(violations);
}
