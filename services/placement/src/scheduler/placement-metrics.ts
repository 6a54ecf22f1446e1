// Placement's gauges, read from the leader's in-memory state on each collection (a standby
// reports nothing: the leader's numbers are the fleet's). Names and attributes are the shared
// ones the dashboard and the alerts query (docs/observability.md).
import { api, enumLabel, events } from '@switchyard/contracts';
import { counter, observeGauge, switchyardMetrics, SWITCHYARD_ATTRIBUTES as A } from '@switchyard/telemetry';
import { inventoryOf, isWaiting, PLACED_TIERS, type ProviderStatus } from '../domain/index.js';
import type { SchedulerEngine } from '../engine/scheduler-engine.js';

const STATUSES: readonly ProviderStatus[] = ['ACTIVE', 'SUSPECT', 'LOST'];

export function registerPlacementMetrics(engine: SchedulerEngine): { providerLost(): void; remove(): void } {
  // Every tier × reason pair reported once keeps being reported (0 when empty); each tier starts
  // with its most common reason at 0, so the series exist before anything was ever queued.
  const seenDepths = new Set<string>(
    PLACED_TIERS.map((tier) => `${tier}\n${events.RejectionReason.REJECTION_REASON_INSUFFICIENT_CAPACITY}`),
  );
  const gauges = [
    observeGauge(switchyardMetrics.PLACEMENT_QUEUE_DEPTH, () => {
      const state = engine.leading;
      if (state === undefined) return [];
      const depths = new Map<string, number>();
      for (const key of seenDepths) depths.set(key, 0);
      for (const job of state.registry.jobs.values()) {
        if (!isWaiting(job) || job.state !== 'QUEUED') continue;
        const reason = engine.queueReasons.get(job.jobId) ?? events.RejectionReason.REJECTION_REASON_UNSPECIFIED;
        const key = `${job.tier}\n${reason}`;
        depths.set(key, (depths.get(key) ?? 0) + 1);
        seenDepths.add(key);
      }
      return [...depths].map(([key, jobs]) => {
        const [tier, reason] = key.split('\n') as [api.Tier, events.RejectionReason];
        return {
          value: jobs,
          attributes: { [A.tier]: enumLabel(api.Tier, tier), [A.queueReason]: enumLabel(events.RejectionReason, reason) },
        };
      });
    }),
    observeGauge(switchyardMetrics.PLACEMENT_QUEUE_OLDEST_AGE, () => {
      const state = engine.leading;
      if (state === undefined) return [];
      const oldest = new Map<api.Tier, number>();
      const now = Date.now();
      for (const tier of PLACED_TIERS) oldest.set(tier, now);
      for (const job of state.registry.jobs.values()) {
        if (!isWaiting(job)) continue;
        oldest.set(job.tier, Math.min(oldest.get(job.tier) ?? Number.POSITIVE_INFINITY, job.submittedAtMs));
      }
      return [...oldest].map(([tier, since]) => ({
        value: Math.max(0, (now - since) / 1000),
        attributes: { [A.tier]: enumLabel(api.Tier, tier) },
      }));
    }),
    observeGauge(switchyardMetrics.PROVIDERS, () => {
      const state = engine.leading;
      if (state === undefined) return [];
      const counts = new Map<ProviderStatus, number>(STATUSES.map((s) => [s, 0]));
      for (const p of state.registry.providers.values()) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
      return STATUSES.map((status) => ({ value: counts.get(status)!, attributes: { [A.providerStatus]: status } }));
    }),
    observeGauge(switchyardMetrics.GPUS, () =>
      gpusByClass(engine).map(({ gpuClass, total }) => ({ value: total, attributes: { [A.gpuClass]: gpuClass } })),
    ),
    observeGauge(switchyardMetrics.GPU_UTILIZATION, () =>
      gpusByClass(engine).map(({ gpuClass, total, inUse }) => ({
        value: total === 0 ? 0 : inUse / total,
        attributes: { [A.gpuClass]: gpuClass },
      })),
    ),
  ];
  const lost = counter(switchyardMetrics.PROVIDERS_LOST);
  lost.add(0); // the series exists from the start, so an alert's increase() sees the first loss
  return {
    providerLost: () => lost.add(1),
    remove: () => {
      for (const gauge of gauges) gauge.remove();
    },
  };
}

/** Per GPU class, the active providers' GPUs and those Switchyard's placements hold. */
function gpusByClass(engine: SchedulerEngine): { gpuClass: string; total: number; inUse: number }[] {
  const state = engine.leading;
  if (state === undefined) return [];
  const byClass = new Map<string, { total: number; inUse: number }>();
  for (const p of state.registry.providers.values()) {
    if (p.status !== 'ACTIVE') continue;
    for (const gpuClass of new Set(p.gpus.map((g) => g.gpuClass))) {
      const entry = byClass.get(gpuClass) ?? { total: 0, inUse: 0 };
      entry.total += inventoryOf(p, gpuClass);
      entry.inUse += p.placedGpusByClass[gpuClass] ?? 0;
      byClass.set(gpuClass, entry);
    }
  }
  return [...byClass].map(([gpuClass, v]) => ({ gpuClass, ...v }));
}
