import kafkajs, { type Admin } from 'kafkajs';
import {
  computeLag,
  type CleanupPolicy,
  type EventLogAdmin,
  type PartitionEnd,
  type PartitionLag,
  type PartitionOffset,
  type TopicDescription,
  type TopicSpec,
} from '../port.js';

// kafkajs is CommonJS: Node's ESM loader only sees some of its named exports, so read them off the default.
const { ConfigResourceTypes } = kafkajs;

export class KafkaEventLogAdmin implements EventLogAdmin {
  constructor(
    private readonly admin: () => Promise<Admin>,
    private readonly replicationFactor: number,
  ) {}

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.admin();
    await admin.createTopics({
      waitForLeaders: true,
      topics: specs.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitions,
        replicationFactor: this.replicationFactor,
        configEntries: [
          ...(spec.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(spec.retentionMs) }]),
          ...(spec.cleanupPolicy === undefined ? [] : [{ name: 'cleanup.policy', value: spec.cleanupPolicy }]),
        ],
      })),
    });
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const admin = await this.admin();
    await admin.deleteTopics({ topics: [...topics] });
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    const admin = await this.admin();
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'cleanup.policy'] }],
    });
    const entries = configs.resources[0]?.configEntries ?? [];
    const value = (name: string) => entries.find((e) => e.configName === name)?.configValue;
    const retention = value('retention.ms');
    const cleanup = value('cleanup.policy');
    return {
      topic,
      partitions: metadata.topics[0]?.partitions.length ?? 0,
      ...(retention === undefined ? {} : { retentionMs: Number(retention) }),
      ...(cleanup === 'delete' || cleanup === 'compact' ? { cleanupPolicy: cleanup as CleanupPolicy } : {}),
    };
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
    const admin = await this.admin();
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (result?.partitions ?? [])
      .filter((p) => p.offset !== '-1')
      .map((p) => ({ partition: p.partition, offset: p.offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  async endOffsets(topic: string): Promise<PartitionEnd[]> {
    const admin = await this.admin();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((p) => ({ partition: p.partition, earliest: p.low, end: p.high })).sort((a, b) => a.partition - b.partition);
  }

  async lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const [committed, ends] = await Promise.all([this.committedOffsets(groupId, topic), this.endOffsets(topic)]);
    return computeLag(committed, ends, topic);
  }
}
