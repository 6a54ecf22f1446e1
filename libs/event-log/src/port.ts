// The EventLog port: what Switchyard needs from a log, independent of Kafka or PostgreSQL.
// Both adapters pass the same contract suite (libs/event-log/test/contract).
import type { EventEnvelope, LoggedEvent } from './envelope.js';

export interface AppendedPosition {
  readonly partition: number;
  readonly offset: string;
}

/** A batch from one partition, in offset order. Per-key order follows from key -> partition. */
export interface EventBatch {
  readonly topic: string;
  readonly partition: number;
  readonly events: readonly LoggedEvent[];
}

/**
 * Handles one partition's batch. When it resolves, the group's offset for that partition moves
 * past the batch; when it rejects, nothing is committed and the batch is delivered again
 * (at-least-once: effects must be idempotent, see the inbox in docs/event-log.md).
 */
export type BatchHandler = (batch: EventBatch) => Promise<void>;

/**
 * Handles the batches of several partitions that one poll read, together. When it resolves,
 * every batch's offset moves past it; when it rejects, none does and they are all delivered again.
 */
export type RoundHandler = (batches: readonly EventBatch[]) => Promise<void>;

export interface ConsumeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts: the earliest retained record (default) or the end. */
  readonly fromBeginning?: boolean;
  /** Upper bound on events per batch. */
  readonly maxBatchSize?: number;
  /**
   * When given, a member that reads several partitions in one poll (the PostgreSQL log) hands
   * that poll's batches to it at once, instead of one by one to the batch handler; a poll that
   * read one partition, and adapters that deliver partition by partition (Kafka), still call the
   * batch handler.
   */
  readonly roundHandler?: RoundHandler;
  /**
   * Told when the member loses its connection to the log (`recovering`: it reconnects and resumes
   * from the committed offsets by itself), is back (`ok`), or has given up (`failed`: it delivers
   * nothing more; the process should exit and be restarted).
   */
  readonly onStatus?: (status: ConsumerStatus, reason?: string) => void;
}

export type ConsumerStatus = 'ok' | 'recovering' | 'failed';

export interface ConsumerHandle {
  /** Partitions this member currently owns, per topic. */
  assignment(): ReadonlyMap<string, readonly number[]>;
  /** Lets the running batch finish (and commit), then leaves the group. */
  stop(): Promise<void>;
}

/**
 * A bound of a replay window. `offset` applies to every partition read; `offsets` gives each
 * partition its own (a partition it does not name is unbounded on that side, as a position
 * captured from `admin.endOffsets` is); times select, per partition, the first record appended
 * at or after that time (Kafka ListOffsets semantics).
 */
export type LogPosition = { readonly offset: string } | { readonly offsets: Readonly<Record<number, string>> } | { readonly time: Date };

export interface ReadRange {
  readonly topic: string;
  /** Default: every partition of the topic. */
  readonly partitions?: readonly number[];
  /** Inclusive; default: the earliest retained record. */
  readonly from?: LogPosition;
  /** Exclusive; default: the end of each partition when the read starts. */
  readonly to?: LogPosition;
}

export type CleanupPolicy = 'delete' | 'compact';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** How long records are kept; default: the backend's default. `-1` keeps them forever. */
  readonly retentionMs?: number;
  readonly cleanupPolicy?: CleanupPolicy;
}

export interface TopicDescription {
  readonly topic: string;
  readonly partitions: number;
  readonly retentionMs?: number;
  readonly cleanupPolicy?: CleanupPolicy;
}

export interface PartitionOffset {
  readonly partition: number;
  readonly offset: string;
}

export interface PartitionEnd {
  readonly partition: number;
  /** First retained offset. */
  readonly earliest: string;
  /** The offset the next append to this partition gets (Kafka's high watermark). */
  readonly end: string;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** `null` when the group never committed on this partition. */
  readonly committed: string | null;
  readonly end: string;
  /** Records between the committed offset (or the earliest retained one) and the end. */
  readonly lag: number;
}

export interface EventLogAdmin {
  /** Creates the topics that do not exist yet; existing topics are left as they are. */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  describeTopic(topic: string): Promise<TopicDescription>;
  /** The group's committed offsets (the next offset it will read), only partitions it committed on. */
  committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]>;
  endOffsets(topic: string): Promise<PartitionEnd[]>;
  lag(groupId: string, topic: string): Promise<PartitionLag[]>;
}

export interface EventLog {
  /**
   * Appends events to a topic; record key = `envelope.subject`. Events with the same subject
   * land on one partition in the given order. Resolves once the log has durably stored all of them.
   */
  append(topic: string, events: readonly EventEnvelope[]): Promise<AppendedPosition[]>;
  /** Joins `groupId` and delivers batches until the handle is stopped. */
  consume(options: ConsumeOptions, handler: BatchHandler): Promise<ConsumerHandle>;
  /**
   * Reads a window for replay without joining, creating commits for, or moving any consumer
   * group. Offset order holds within a partition; partitions may interleave.
   */
  read(range: ReadRange): AsyncIterable<LoggedEvent>;
  readonly admin: EventLogAdmin;
  close(): Promise<void>;
}

export function computeLag(committed: readonly PartitionOffset[], ends: readonly PartitionEnd[], topic: string): PartitionLag[] {
  return ends.map(({ partition, earliest, end }) => {
    const at = committed.find((c) => c.partition === partition)?.offset ?? null;
    const from = at === null || BigInt(at) < BigInt(earliest) ? BigInt(earliest) : BigInt(at);
    const lag = BigInt(end) > from ? Number(BigInt(end) - from) : 0;
    return { topic, partition, committed: at, end, lag };
  });
}
