// The EventLog port on @platformatic/kafka: the candidate successor of KafkaJS (unmaintained),
// pure JavaScript, maintained, Node 20.19.4+ on its 1.x line. Same record layout as the KafkaJS
// adapter, same contract suite (docs/decisions/kafka-client.md).
import { Admin, Consumer, ProduceAcks, Producer } from '@platformatic/kafka';
import type { EventEnvelope, LoggedEvent } from '../envelope.js';
import type { KafkaSecurity } from '../kafka/kafka-security.js';
import { partitionForKey } from '../partitioning.js';
import type { AppendedPosition, BatchHandler, ConsumeOptions, ConsumerHandle, EventLog, ReadRange } from '../port.js';
import type { UpcasterRegistry } from '../upcasting.js';
import type { PlatformaticConnection } from './connection.js';
import { baseOptions } from './connection.js';
import { PlatformaticEventLogAdmin } from './platformatic-admin.js';
import { startPlatformaticConsumer, type PlatformaticConsumerSettings } from './platformatic-consumer.js';
import { readPlatformaticRange } from './platformatic-replay.js';
import { toRecord } from './records.js';

export interface PlatformaticEventLogOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly upcasters?: UpcasterRegistry;
  /** For topics created through the admin; -1 takes the broker's default. */
  readonly replicationFactor?: number;
  readonly consumer?: Partial<PlatformaticConsumerSettings>;
  readonly security?: KafkaSecurity;
}

export class PlatformaticEventLog implements EventLog {
  readonly admin: PlatformaticEventLogAdmin;
  private readonly connection: PlatformaticConnection;
  private readonly consumerSettings: PlatformaticConsumerSettings;
  private readonly partitionCounts = new Map<string, number>();
  private readonly consumers = new Set<ConsumerHandle>();
  private producerClient: Producer | undefined;
  private adminClient: Admin | undefined;
  private offsetsClient: Consumer | undefined;

  constructor(private readonly options: PlatformaticEventLogOptions) {
    this.connection = {
      brokers: options.brokers,
      clientId: options.clientId ?? 'switchyard',
      ...(options.security ? { security: options.security } : {}),
    };
    this.consumerSettings = {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      redeliveryDelayMs: 500,
      maxWaitTimeMs: 500,
      ...options.consumer,
    };
    this.admin = new PlatformaticEventLogAdmin(
      () => this.adminOf(),
      () => this.offsetsOf(),
      options.replicationFactor ?? -1,
    );
  }

  async append(topic: string, events: readonly EventEnvelope[]): Promise<AppendedPosition[]> {
    if (events.length === 0) return [];
    const partitions = await this.partitionCount(topic);
    const records = events.map((envelope) => toRecord(topic, envelope, partitionForKey(envelope.subject, partitions)));
    const result = await this.producer().send({ messages: records, acks: ProduceAcks.ALL });
    // One base offset per partition; the broker stored that partition's records in the order sent
    // (idempotent producer).
    const next = new Map((result.offsets ?? []).map((o) => [o.partition, o.offset]));
    return records.map(({ partition }) => {
      const offset = next.get(partition!);
      if (offset === undefined) throw new Error(`append to ${topic}: the broker reported no offset for partition ${partition}`);
      next.set(partition!, offset + 1n);
      return { partition: partition!, offset: offset.toString() };
    });
  }

  async consume(options: ConsumeOptions, handler: BatchHandler): Promise<ConsumerHandle> {
    const handle = await startPlatformaticConsumer(this.connection, options, handler, this.options.upcasters, this.consumerSettings);
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
    yield* readPlatformaticRange(this.connection, this.adminOf(), this.offsetsOf(), range, this.options.upcasters);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    const clients = [this.producerClient, this.adminClient, this.offsetsClient];
    this.producerClient = this.adminClient = this.offsetsClient = undefined;
    await Promise.all(clients.map((client) => client?.close()));
  }

  private async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const metadata = await this.adminOf().metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    if (count < 1) throw new Error(`topic ${topic} has no partitions`);
    this.partitionCounts.set(topic, count);
    return count;
  }

  private producer(): Producer {
    // Idempotent: the broker drops retried duplicates and keeps each partition's order.
    return (this.producerClient ??= new Producer({ ...baseOptions(this.connection), idempotent: true, acks: ProduceAcks.ALL }));
  }

  private adminOf(): Admin {
    return (this.adminClient ??= new Admin(baseOptions(this.connection, `${this.connection.clientId}-admin`)));
  }

  private offsetsOf(): Consumer {
    // ListOffsets needs a consumer client; this one never joins its group.
    return (this.offsetsClient ??= new Consumer({
      ...baseOptions(this.connection, `${this.connection.clientId}-offsets`),
      groupId: `${this.connection.clientId}-offsets`,
    }));
  }
}
