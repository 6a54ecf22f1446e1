// The production backend: KafkaJS behind the EventLog port.
import { Kafka, logLevel as KafkaLogLevel, type Admin, type KafkaConfig, type Producer } from 'kafkajs';
import type { EventEnvelope, LoggedEvent } from '../envelope.js';
import { partitionForKey } from '../partitioning.js';
import type { AppendedPosition, BatchHandler, ConsumeOptions, ConsumerHandle, EventLog, ReadRange } from '../port.js';
import type { UpcasterRegistry } from '../upcasting.js';
import { KafkaEventLogAdmin } from './kafka-admin.js';
import { startKafkaConsumer, type KafkaConsumerSettings } from './kafka-consumer.js';
import { readKafkaRange } from './kafka-replay.js';
import type { KafkaSecurity } from './kafka-security.js';
import { toKafkaMessage } from './records.js';

export interface KafkaEventLogOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly upcasters?: UpcasterRegistry;
  /** For topics created through the admin; -1 takes the broker's default. */
  readonly replicationFactor?: number;
  readonly logLevel?: KafkaLogLevel;
  /** Where KafkaJS's own log lines go (KafkaJS's `logCreator`); default: its console logger. */
  readonly logCreator?: KafkaConfig['logCreator'];
  readonly consumer?: Partial<KafkaConsumerSettings>;
  /** TLS and SASL to the brokers; default: plaintext, unauthenticated. */
  readonly security?: KafkaSecurity;
}

export class KafkaEventLog implements EventLog {
  readonly admin: KafkaEventLogAdmin;
  private readonly kafka: Kafka;
  private readonly consumerSettings: KafkaConsumerSettings;
  private readonly partitionCounts = new Map<string, number>();
  private readonly consumers = new Set<ConsumerHandle>();
  private producer: Promise<Producer> | undefined;
  private adminClient: Promise<Admin> | undefined;

  constructor(private readonly options: KafkaEventLogOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'switchyard',
      brokers: [...options.brokers],
      logLevel: options.logLevel ?? KafkaLogLevel.ERROR,
      ...(options.logCreator ? { logCreator: options.logCreator } : {}),
      ...kafkaJsSecurity(options.security),
    });
    this.consumerSettings = {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      redeliveryDelayMs: 500,
      joinTimeoutMs: 30_000,
      ...options.consumer,
    };
    this.admin = new KafkaEventLogAdmin(() => this.connectedAdmin(), options.replicationFactor ?? -1);
  }

  async append(topic: string, events: readonly EventEnvelope[]): Promise<AppendedPosition[]> {
    if (events.length === 0) return [];
    const partitions = await this.partitionCount(topic);
    const messages = events.map((envelope) => toKafkaMessage(envelope, partitionForKey(envelope.subject, partitions)));
    const producer = await this.connectedProducer();
    const metadata = await producer.send({ topic, acks: -1, messages });
    // One RecordMetadata per partition with the base offset of that partition's messages, which
    // the broker stored in the order sent (idempotent producer, one request in flight).
    const next = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? '0')]));
    return messages.map(({ partition }) => {
      const offset = next.get(partition!)!;
      next.set(partition!, offset + 1n);
      return { partition: partition!, offset: offset.toString() };
    });
  }

  async consume(options: ConsumeOptions, handler: BatchHandler): Promise<ConsumerHandle> {
    const handle = await startKafkaConsumer(this.kafka, options, handler, this.options.upcasters, this.consumerSettings);
    this.consumers.add(handle);
    return {
      assignment: () => handle.assignment(),
      stop: async () => {
        this.consumers.delete(handle);
        await handle.stop();
      },
    };
  }

  async *read(range: ReadRange): AsyncGenerator<LoggedEvent> {
    yield* readKafkaRange(this.kafka, await this.connectedAdmin(), range, this.options.upcasters);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    const [producer, admin] = [this.producer, this.adminClient];
    this.producer = this.adminClient = undefined;
    await Promise.all([producer?.then((p) => p.disconnect()), admin?.then((a) => a.disconnect())]);
  }

  private async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const admin = await this.connectedAdmin();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const count = metadata.topics[0]?.partitions.length ?? 0;
    if (count < 1) throw new Error(`topic ${topic} has no partitions`);
    this.partitionCounts.set(topic, count);
    return count;
  }

  private connectedProducer(): Promise<Producer> {
    return (this.producer ??= (async () => {
      // Idempotent: the broker drops retried duplicates; one request in flight keeps order.
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      return producer;
    })().catch((error: unknown) => {
      // The brokers were away: the next append connects again instead of failing forever.
      this.producer = undefined;
      throw error;
    }));
  }

  private connectedAdmin(): Promise<Admin> {
    return (this.adminClient ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.adminClient = undefined;
      throw error;
    }));
  }
}

/** KafkaSecurity as KafkaJS's `ssl` and `sasl` options. */
export function kafkaJsSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!security) return {};
  const { tls, sasl } = security;
  const ssl =
    tls && (tls.ca || tls.cert)
      ? { ...(tls.ca ? { ca: [tls.ca] } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key.reveal() } : {}) }
      : tls
        ? true
        : undefined;
  return {
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl ? { sasl: saslOf(sasl.mechanism, sasl.username, sasl.password.reveal()) } : {}),
  };
}

function saslOf(
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512',
  username: string,
  password: string,
): NonNullable<KafkaConfig['sasl']> {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
  }
}
