// The log's topics: a public contract for the internal teams that consume them (see
// docs/topics/). Every topic carries one envelope type and is keyed by an entity id, so one
// entity's events stay in order. Dead letters go to `<topic>-dlt`.
//
// SUBSCRIPTIONS says which consumer group of which service reads which topics, and KEYS what each
// record's key is; docs/topics/asyncapi.yaml is generated from them, and the end-to-end test
// tests/e2e/test/observability.e2e.spec.ts checks both against what running services do (the
// groups and topics they report lag for, the keys of the records they write).

export type TopicName = 'jobs' | 'providers' | 'usage' | 'ledger';
export type ServiceName = 'intake' | 'classifier' | 'placement' | 'metering' | 'payout';

/**
 * A record key as a template over the payload's fields (protobuf JSON names), e.g. `{jobId}` or
 * `tenant:{tenantId}`; the record key is also the CloudEvents subject.
 */
export interface KeySpec {
  readonly template: string;
  readonly description: string;
}

export interface TopicContract {
  /** Logical name; the physical topic is `<prefix><name>` (prefix isolates environments and tests). */
  readonly name: TopicName;
  /** The record key of every event type, or per event type (short message name) with `*` for the rest. */
  readonly keys: Readonly<Record<string, KeySpec>>;
  /** Fully qualified proto message of the payload envelope. */
  readonly envelope: string;
  readonly partitions: number;
  /** -1: kept forever; the log is the source of truth and is replayed from the start. */
  readonly retentionMs: number;
  readonly producers: readonly ServiceName[];
}

export interface Subscription {
  readonly service: ServiceName;
  /** The service's default consumer group (its *_CONSUMER_GROUP variable overrides it). */
  readonly groupId: string;
  readonly topics: readonly TopicName[];
}

/**
 * Consumer groups are namespaced (`switchyard.<service>`) so another team's group cannot join a
 * service's group by accident. Before 2026-12 they were the bare service names; see
 * docs/topics/README.md for moving a deployment's committed offsets and inbox.
 */
export const CONSUMER_GROUP_PREFIX = 'switchyard.';
export const defaultConsumerGroup = (service: ServiceName): string => `${CONSUMER_GROUP_PREFIX}${service}`;

export const SUBSCRIPTIONS: readonly Subscription[] = [
  { service: 'intake', groupId: defaultConsumerGroup('intake'), topics: ['jobs', 'ledger', 'usage'] },
  { service: 'classifier', groupId: defaultConsumerGroup('classifier'), topics: ['jobs'] },
  { service: 'placement', groupId: defaultConsumerGroup('placement'), topics: ['jobs'] },
  { service: 'metering', groupId: defaultConsumerGroup('metering'), topics: ['jobs', 'usage'] },
  { service: 'payout', groupId: defaultConsumerGroup('payout'), topics: ['jobs', 'usage'] },
];

const key = (template: string, description: string): KeySpec => ({ template, description });

export const TOPICS: Readonly<Record<TopicName, TopicContract>> = {
  jobs: {
    name: 'jobs',
    keys: { '*': key('{jobId}', 'job id') },
    envelope: 'switchyard.events.v1.JobEvent',
    partitions: 6,
    retentionMs: -1,
    producers: ['intake', 'classifier', 'placement'],
  },
  providers: {
    name: 'providers',
    keys: { '*': key('{providerId}', 'provider id') },
    envelope: 'switchyard.events.v1.ProviderEvent',
    partitions: 3,
    retentionMs: -1,
    producers: ['placement'],
  },
  usage: {
    name: 'usage',
    keys: { '*': key('{jobId}', 'job id') },
    envelope: 'switchyard.events.v1.UsageEvent',
    partitions: 3,
    retentionMs: -1,
    producers: ['placement', 'metering'],
  },
  ledger: {
    name: 'ledger',
    // One key: the ledger item an event is about. A posting is keyed by its source (the usage,
    // penalty or payout it records), and PenaltyAssessed and PayoutIssued by their own ids, which
    // are their postings' source ids: a job's penalty and its posting share a partition, in order.
    // An epoch's close is keyed by the epoch, a cap alert by the tenant whose spend it is about.
    keys: {
      PostingRecorded: key('{sourceId}', 'source id (the usage, penalty or payout id it records)'),
      PenaltyAssessed: key('{penaltyId}', "penalty id (its posting's source id)"),
      PayoutIssued: key('{payoutId}', "payout id (its posting's source id)"),
      EpochClosed: key('{epochId}', 'epoch id'),
      SpendingCapExceeded: key('tenant:{tenantId}', '"tenant:" and the tenant id'),
    },
    envelope: 'switchyard.events.v1.LedgerEvent',
    partitions: 3,
    retentionMs: -1,
    producers: ['payout'],
  },
};

/** The consumer groups reading a topic, from SUBSCRIPTIONS. */
export function consumersOf(topic: TopicName): readonly Subscription[] {
  return SUBSCRIPTIONS.filter((subscription) => subscription.topics.includes(topic));
}

/** The key spec of an event type (short message name, e.g. `EpochClosed`) on a topic. */
export function keyOf(topic: TopicName, eventType: string): KeySpec {
  const keys = TOPICS[topic].keys;
  const spec = keys[eventType] ?? keys['*'];
  if (!spec) throw new Error(`topic ${topic} documents no key for ${eventType}`);
  return spec;
}

/** The record key a payload member (e.g. the `epochClosed` object) must have under `spec`. */
export function expectedKey(spec: KeySpec, payload: Readonly<Record<string, unknown>>): string {
  return spec.template.replace(/\{(\w+)\}/g, (_, field: string) => String(payload[field] ?? ''));
}

/** Physical topic names under a prefix, e.g. `topicNames('switchyard.')['jobs'] === 'switchyard.jobs'`. */
export function topicNames(prefix: string): Readonly<Record<TopicName, string>> {
  return {
    jobs: `${prefix}jobs`,
    providers: `${prefix}providers`,
    usage: `${prefix}usage`,
    ledger: `${prefix}ledger`,
  };
}

/**
 * How long `<topic>-dlt` keeps dead letters: forever (-1), set explicitly on the topic rather
 * than left to the broker's default (often 7 days). A dead letter is a fact a consumer has not
 * applied; like the log it came from, it is kept until someone acts on it, and there are few.
 * deploy/kafka/create-topics.sh provisions the same.
 */
export const DEAD_LETTER_RETENTION_MS = -1;

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
