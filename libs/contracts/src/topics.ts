// The log's topics: a public contract for the internal teams that consume them (see
// docs/topics/). Every topic carries one envelope type and is keyed by the entity id, so one
// entity's events stay in order. Dead letters go to `<topic>-dlt`.

export type TopicName = 'jobs' | 'providers' | 'usage' | 'ledger';

export interface TopicContract {
  /** Logical name; the physical topic is `<prefix><name>` (prefix isolates environments and tests). */
  readonly name: TopicName;
  /** What the record key (= CloudEvents subject) identifies. */
  readonly key: string;
  /** Fully qualified proto message of the payload envelope. */
  readonly envelope: string;
  readonly partitions: number;
  /** -1: kept forever; the log is the source of truth and is replayed from the start. */
  readonly retentionMs: number;
  readonly producers: readonly string[];
  readonly consumers: readonly string[];
}

export const TOPICS: Readonly<Record<TopicName, TopicContract>> = {
  jobs: {
    name: 'jobs',
    key: 'job id',
    envelope: 'switchyard.events.v1.JobEvent',
    partitions: 6,
    retentionMs: -1,
    producers: ['intake', 'classifier', 'placement'],
    consumers: ['intake', 'classifier', 'placement', 'metering', 'payout'],
  },
  providers: {
    name: 'providers',
    key: 'provider id',
    envelope: 'switchyard.events.v1.ProviderEvent',
    partitions: 3,
    retentionMs: -1,
    producers: ['placement'],
    consumers: ['placement'],
  },
  usage: {
    name: 'usage',
    key: 'job id',
    envelope: 'switchyard.events.v1.UsageEvent',
    partitions: 3,
    retentionMs: -1,
    producers: ['placement', 'metering'],
    consumers: ['metering', 'payout', 'intake'],
  },
  ledger: {
    name: 'ledger',
    key: 'ledger entity id (posting source id, or epoch id for epoch events)',
    envelope: 'switchyard.events.v1.LedgerEvent',
    partitions: 3,
    retentionMs: -1,
    producers: ['payout'],
    consumers: ['payout'],
  },
};

/** Physical topic names under a prefix, e.g. `topicNames('switchyard.')['jobs'] === 'switchyard.jobs'`. */
export function topicNames(prefix: string): Readonly<Record<TopicName, string>> {
  return {
    jobs: `${prefix}jobs`,
    providers: `${prefix}providers`,
    usage: `${prefix}usage`,
    ledger: `${prefix}ledger`,
  };
}

/** The dead-letter topic of a topic. */
export const deadLetterTopic = (topic: string): string => `${topic}-dlt`;

/** A topic to create, as the event log's admin takes it. */
export interface TopicProvisioning {
  readonly topic: string;
  readonly partitions: number;
  readonly retentionMs: number;
}

/**
 * The topics a service creates at start, with the registry's partitions and retention. Every
 * service creates what it uses through this, so whichever starts first creates the topic as the
 * registry says (topic creation leaves an existing topic as it is).
 */
export function topicProvisioning(prefix: string, names: readonly TopicName[]): TopicProvisioning[] {
  const physical = topicNames(prefix);
  return names.map((name) => ({ topic: physical[name], partitions: TOPICS[name].partitions, retentionMs: TOPICS[name].retentionMs }));
}
