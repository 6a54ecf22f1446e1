// Every event about one job, across topics, read with replay reads (no consumer group).
// jobs and usage are keyed by job id, so only the job's partition is read; providers and ledger
// are keyed by other entities, so they are scanned for events that name the job or its usage.
import type { EventLog } from '@switchyard/event-log';
import { partitionForKey } from '@switchyard/event-log/partitioning';
import type { TopicName } from '@switchyard/contracts';
import { decodeEvent, type DecodedEvent } from './decoded-event.js';
import type { TopicMap } from './topics.js';

export interface JobHistory {
  readonly events: readonly DecodedEvent[];
  /** Topics that do not exist under the prefix (skipped). */
  readonly missingTopics: readonly string[];
}

/** `families` narrows the read: explain needs only the jobs topic. */
export async function readJobHistory(
  log: EventLog,
  topics: TopicMap,
  jobId: string,
  families: readonly TopicName[] = ['jobs', 'usage', 'providers', 'ledger'],
): Promise<JobHistory> {
  const missingTopics: string[] = [];
  const keyed = async (family: TopicName) => {
    if (!families.includes(family)) return [];
    const topic = topics.names[family];
    const partitions = await partitionCount(log, topic);
    if (partitions === undefined) {
      missingTopics.push(topic);
      return [];
    }
    return collect(log, topic, family, [partitionForKey(jobId, partitions)], (e) => e.logged.key === jobId);
  };
  const jobEvents = await keyed('jobs');
  const usageEvents = await keyed('usage');
  // Ledger entries point at usage ids and report ids, not always at the job itself.
  const related = new Set([jobId, ...usageEvents.flatMap((e) => stringsIn(e.json))]);
  const scanned = async (family: TopicName, mentions: ReadonlySet<string>) => {
    if (!families.includes(family)) return [];
    const topic = topics.names[family];
    if ((await partitionCount(log, topic)) === undefined) {
      missingTopics.push(topic);
      return [];
    }
    return collect(log, topic, family, undefined, (e) => e.logged.key === jobId || stringsIn(e.json).some((s) => mentions.has(s)));
  };
  const providerEvents = await scanned('providers', new Set([jobId]));
  const ledgerEvents = await scanned('ledger', related);
  // At equal times a provider event is the cause (ProviderLost -> JobRequeued) and usage and
  // ledger events the consequence of job events, hence this order of concatenation.
  return { events: inTimeOrder([...providerEvents, ...jobEvents, ...usageEvents, ...ledgerEvents]), missingTopics };
}

/** Partitions of a topic, or undefined when it does not exist. */
export async function partitionCount(log: EventLog, topic: string): Promise<number | undefined> {
  try {
    return (await log.admin.describeTopic(topic)).partitions;
  } catch (error) {
    if (isUnknownTopic(error)) return undefined;
    throw error;
  }
}

export function isUnknownTopic(error: unknown): boolean {
  return (
    error instanceof Error &&
    /unknown topic|does not exist|UNKNOWN_TOPIC|not found|This server does not host this topic/i.test(error.message)
  );
}

async function collect(
  log: EventLog,
  topic: string,
  family: TopicName,
  partitions: number[] | undefined,
  keep: (event: DecodedEvent) => boolean,
): Promise<DecodedEvent[]> {
  const kept: DecodedEvent[] = [];
  for await (const logged of log.read({ topic, ...(partitions ? { partitions } : {}) })) {
    const event = decodeEvent(logged, family);
    if (keep(event)) kept.push(event);
  }
  return kept;
}

/** By event time (ce_time); equal times keep the given order, so one partition's offset order holds. */
export function inTimeOrder(events: readonly DecodedEvent[]): DecodedEvent[] {
  return events
    .map((event, index) => ({ event, index, at: Date.parse(event.logged.envelope.time) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ event }) => event);
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}
