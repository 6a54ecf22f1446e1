import { Admin, Consumer, ListOffsetTimestamps, ResourceTypes } from '@platformatic/kafka';
import {
  computeLag,
  type EventLogAdmin,
  type PartitionEnd,
  type PartitionLag,
  type PartitionOffset,
  type TopicDescription,
  type TopicSpec,
} from '../port.js';

/** Offsets of every partition of a topic at a timestamp (or EARLIEST / LATEST), by partition. */
export async function offsetsAt(offsets: Consumer, topic: string, timestamp: bigint): Promise<bigint[]> {
  const result = await offsets.listOffsets({ topics: [topic], timestamp });
  const found = result.get(topic);
  if (!found) throw new Error(`topic ${topic} does not exist`);
  return found;
}

export class PlatformaticEventLogAdmin implements EventLogAdmin {
  constructor(
    private readonly admin: () => Admin,
    /** A consumer used only for ListOffsets (it never joins a group). */
    private readonly offsets: () => Consumer,
    private readonly replicationFactor: number,
  ) {}

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = this.admin();
    const existing = new Set(await admin.listTopics());
    for (const spec of specs.filter((s) => !existing.has(s.topic))) {
      const configs = [
        ...(spec.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(spec.retentionMs) }]),
        ...(spec.cleanupPolicy === undefined ? [] : [{ name: 'cleanup.policy', value: spec.cleanupPolicy }]),
      ];
      try {
        await admin.createTopics({ topics: [spec.topic], partitions: spec.partitions, replicas: this.replicationFactor, configs });
      } catch (error) {
        // Another instance created it in between: fine, topic creation leaves existing topics alone.
        if (!(await admin.listTopics()).includes(spec.topic)) throw error;
      }
    }
    await this.waitForLeaders(specs.map((s) => s.topic));
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const existing = new Set(await this.admin().listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await this.admin().deleteTopics({ topics: present });
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    const admin = this.admin();
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const partitions = metadata.topics.get(topic)?.partitionsCount ?? 0;
    if (partitions === 0) throw new Error(`topic ${topic} does not exist`);
    const [description] = await admin.describeConfigs({
      resources: [{ resourceType: ResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms', 'cleanup.policy'] }],
    });
    const value = (name: string) => description?.configs.find((c) => c.name === name)?.value ?? undefined;
    const retention = value('retention.ms');
    const cleanup = value('cleanup.policy');
    return {
      topic,
      partitions,
      ...(retention === undefined ? {} : { retentionMs: Number(retention) }),
      ...(cleanup === 'delete' || cleanup === 'compact' ? { cleanupPolicy: cleanup } : {}),
    };
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
    const partitions = (await this.endOffsets(topic)).map((p) => p.partition);
    const [group] = await this.admin().listConsumerGroupOffsets({
      groups: [{ groupId, topics: [{ name: topic, partitionIndexes: partitions }] }],
    });
    return (group?.topics.find((t) => t.name === topic)?.partitions ?? [])
      .filter((p) => p.committedOffset >= 0n)
      .map((p) => ({ partition: p.partitionIndex, offset: p.committedOffset.toString() }))
      .sort((a, b) => a.partition - b.partition);
  }

  async endOffsets(topic: string): Promise<PartitionEnd[]> {
    const [earliest, latest] = await Promise.all([
      offsetsAt(this.offsets(), topic, ListOffsetTimestamps.EARLIEST),
      offsetsAt(this.offsets(), topic, ListOffsetTimestamps.LATEST),
    ]);
    return latest.map((end, partition) => ({ partition, earliest: (earliest[partition] ?? 0n).toString(), end: end.toString() }));
  }

  async lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const [committed, ends] = await Promise.all([this.committedOffsets(groupId, topic), this.endOffsets(topic)]);
    return computeLag(committed, ends, topic);
  }

  /** Polls metadata until every partition of the topics has a leader (KafkaJS's waitForLeaders). */
  private async waitForLeaders(topics: readonly string[], timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const metadata = await this.admin().metadata({ topics: [...topics], forceUpdate: true });
      const ready = topics.every((t) => {
        const partitions = metadata.topics.get(t)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
