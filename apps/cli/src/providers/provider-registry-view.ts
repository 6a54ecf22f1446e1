// The provider registry as placement sees it, rebuilt from the log: the providers and jobs topics
// folded with placement's own `evolveProviders`, merged by event time (providers first at equal
// times, as in timelines). Replay reads only.
import { events } from '@switchyard/contracts';
import type { EventLog } from '@switchyard/event-log';
import {
  defaultPlacementPolicy,
  evolveProviders,
  freeGpus,
  registryEventOfJobEnvelope,
  registryEventOfProviderEnvelope,
  reputationBp,
  newRegistry,
  type ProviderRegistry,
} from '@switchyard/placement/domain';
import { notFound } from '../cli-error.js';
import { decodeEvent, type DecodedEvent } from '../log/decoded-event.js';
import { inTimeOrder, partitionCount } from '../log/job-history.js';
import type { TopicMap } from '../log/topics.js';
import type { Output } from '../terminal.js';
import type { Progress } from '../progress.js';

export async function rebuildRegistry(log: EventLog, topics: TopicMap, progress: Progress, output: Output): Promise<ProviderRegistry> {
  const read = async (family: 'providers' | 'jobs') => {
    const topic = topics.names[family];
    if ((await partitionCount(log, topic)) === undefined)
      throw notFound(`topic ${topic} does not exist (is --topic-prefix "${topics.prefix}" right?)`);
    const decoded: DecodedEvent[] = [];
    for await (const logged of log.read({ topic })) {
      decoded.push(decodeEvent(logged, family));
      progress.increment();
    }
    return decoded;
  };
  const providerEvents = await read('providers');
  const jobEvents = await read('jobs');
  let registry = newRegistry();
  const unknown = new Set<string>();
  for (const event of inTimeOrder([...providerEvents, ...jobEvents])) {
    const envelope =
      event.family === 'providers'
        ? events.ProviderEvent.fromJSON(event.logged.envelope.data)
        : events.JobEvent.fromJSON(event.logged.envelope.data);
    const folded =
      event.family === 'providers'
        ? registryEventOfProviderEnvelope(envelope as events.ProviderEvent)
        : registryEventOfJobEnvelope(envelope as events.JobEvent);
    if (folded === 'ignored') continue;
    if (folded === undefined) {
      unknown.add(event.name);
      continue;
    }
    registry = evolveProviders(registry, folded);
  }
  // Unknown event types are reported, never silently dropped.
  if (unknown.size > 0) output.warn(`not folded (unknown event types): ${[...unknown].sort().join(', ')}`);
  return registry;
}

export interface ProviderRow {
  providerId: string;
  operatorId: string;
  region: string;
  jurisdiction: string;
  status: string;
  health: string;
  gpus: string;
  freeGpus: string;
  pricePerGpuHour: string;
  advertisedLatencyMs: number;
  reputationBp: number;
  completions: number;
  failures: number;
  losses: number;
}

export function providerRows(registry: ProviderRegistry): ProviderRow[] {
  return [...registry.providers.values()]
    .sort((a, b) => (a.providerId < b.providerId ? -1 : a.providerId > b.providerId ? 1 : 0))
    .map((p) => ({
      providerId: p.providerId,
      operatorId: p.operatorId,
      region: p.region,
      jurisdiction: p.jurisdiction,
      status: p.status,
      health: String(p.health).replace('HEALTH_STATUS_', ''),
      gpus: p.gpus.map((g) => `${g.count}x${g.gpuClass}/${g.vramGib}G`).join(','),
      freeGpus: [...new Set(p.gpus.map((g) => g.gpuClass))].map((c) => `${freeGpus(p, c)}x${c}`).join(','),
      pricePerGpuHour: p.pricePerGpuHour.toString(),
      advertisedLatencyMs: p.advertisedLatencyMs,
      // With the shipped placement policy's reputation parameters (what placement scores with today).
      reputationBp: reputationBp(p, defaultPlacementPolicy.reputation),
      ...p.track,
    }));
}
