// The liveness timer: an input adapter. Each tick passes the time it fired to the pure
// detectLostProviders and applies the events it returns. Only one instance sweeps at a time
// (a transaction-scoped advisory lock: the others skip the tick); a heartbeat that lands during
// the sweep wins over it (markLiveness only applies if last_heartbeat_at is unchanged).
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { api, type events } from '@switchyard/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { CapacitySignal } from '../capacity-signal.js';
import type { PlacementConfig } from '../config.js';
import { detectLostProviders, requeueAfterLoss, toTimestamp, type LivenessEvent, type PlacementPolicy, type ProviderRegistry } from '../domain/index.js';
import { jobEnvelope, providerEnvelope } from '../event-envelopes.js';
import { PlacementEvents } from '../placement-events.js';
import { lockJob } from '../persistence/job-rows.js';
import { markLiveness } from '../persistence/provider-rows.js';
import { loadRegistry } from '../persistence/registry-snapshot.js';
import { rows } from '../persistence/sql.js';
import { finishJob, requeueJob } from '../placing/job-transitions.js';
import { PLACEMENT_CONFIG, PLACEMENT_POLICY } from '../tokens.js';

const LIVENESS_LOCK = [0x53594c56, 1] as const; // "SYLV"

@Injectable()
export class LivenessSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LivenessSweep');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PlacementEvents,
    private readonly capacity: CapacitySignal,
    @Inject(PLACEMENT_POLICY) private readonly policy: PlacementPolicy,
    @Inject(PLACEMENT_CONFIG) private readonly config: PlacementConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep(new Date())
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error(`liveness sweep failed: ${String(error)}`))
        .finally(() => (this.running = undefined));
    }, this.config.livenessCheckPeriodMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep at `now`; returns the liveness events it applied (none if another instance holds the lock). */
  async sweep(now: Date): Promise<LivenessEvent[]> {
    let freed = false;
    const applied = await this.dataSource.transaction(async (manager) => {
      const [lock] = await rows<{ locked: boolean }>(manager, 'SELECT pg_try_advisory_xact_lock($1, $2) AS locked', [...LIVENESS_LOCK]);
      if (!lock?.locked) return [];
      const registry = await loadRegistry(manager);
      const done: LivenessEvent[] = [];
      for (const event of detectLostProviders(registry, toTimestamp(now.getTime()), this.policy)) {
        if (await this.apply(manager, registry, event, now)) done.push(event);
      }
      freed = done.some((e) => e.type !== 'ProviderHeartbeatMissed');
      return done;
    });
    if (freed) this.capacity.raise();
    for (const event of applied) this.logger.log(`${event.type} ${event.data.providerId}`);
    return applied;
  }

  private async apply(manager: EntityManager, registry: ProviderRegistry, event: LivenessEvent, now: Date): Promise<boolean> {
    const provider = registry.providers[event.data.providerId]!;
    const seen = new Date(provider.lastHeartbeatAtMs);
    switch (event.type) {
      case 'ProviderHeartbeatMissed':
        if (!(await markLiveness(manager, provider.providerId, seen, { status: 'SUSPECT', missedHeartbeats: event.data.missedCount }))) return false;
        await this.events.providers(manager, providerEnvelope({ providerHeartbeatMissed: event.data }, now));
        return true;
      case 'ProviderRecovered':
        if (!(await markLiveness(manager, provider.providerId, seen, { status: 'ACTIVE', missedHeartbeats: 0 }))) return false;
        await this.events.providers(manager, providerEnvelope({ providerRecovered: event.data }, now));
        return true;
      case 'ProviderLost':
        if (!(await markLiveness(manager, provider.providerId, seen, { status: 'LOST', lost: true }))) return false;
        await this.events.providers(manager, providerEnvelope({ providerLost: event.data }, now));
        await this.requeueJobsOf(manager, registry, event.data, now);
        return true;
      default: {
        const unexpected: never = event;
        throw new Error(`unhandled liveness event ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /** The lost provider's placed and running jobs: requeued elsewhere, or failed on their last attempt. */
  private async requeueJobsOf(manager: EntityManager, registry: ProviderRegistry, lost: events.ProviderLost, now: Date): Promise<void> {
    for (const outcome of requeueAfterLoss(lost, registry, this.policy)) {
      const job = await lockJob(manager, outcome.data.jobId);
      // Moved on since the registry was read (completed, cancelled): the outcome no longer applies.
      if (job === undefined || job.providerId !== lost.providerId || (job.state !== 'PLACED' && job.state !== 'RUNNING')) continue;
      if (outcome.type === 'JobRequeued') {
        await requeueJob(manager, job, outcome.data, api.StopReason.STOP_REASON_REASSIGNED);
        await this.events.jobs(manager, jobEnvelope({ jobRequeued: outcome.data }, now));
      } else {
        await finishJob(manager, job, 'FAILED', api.StopReason.STOP_REASON_REASSIGNED);
        await this.events.jobs(manager, jobEnvelope({ jobFailed: outcome.data }, now));
      }
    }
  }
}
