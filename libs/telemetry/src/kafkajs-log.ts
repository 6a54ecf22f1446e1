// KafkaJS's log lines through the process logger, at levels that say what they mean. KafkaJS
// logs at ERROR many conditions it then retries by itself: a group rebalancing, a coordinator
// loading or moving, a topic or leader not known yet. Those are debug-level facts; if they
// persist the operation fails and the caller reports that. Pass `kafkaLogCreator()` as KafkaJS's
// `logCreator` (the Kafka event log's `logCreator` option).
import type { Logger } from 'pino';
import { processLogger } from './logger.js';

/** KafkaJS's levels (its `logLevel` enum). */
const KAFKAJS = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const;

export interface KafkaLogEntry {
  readonly namespace: string;
  readonly level: number;
  readonly label: string;
  readonly log: { readonly message: string; readonly error?: string; readonly [field: string]: unknown };
}

/** Retriable conditions KafkaJS handles itself, by the broker's error text (or KafkaJS's own). */
const EXPECTED = [
  'The group is rebalancing, so a rejoin is needed',
  "The coordinator is loading and hence can't process requests",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'This server does not host this topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'Specified group generation id is not valid',
  'The coordinator is not aware of this member',
  'The request timed out',
  // CreateTopics of a topic that exists: every service provisions the topics it uses at start.
  'Topic creation errors',
  'Topic with this name already exists',
];

export type KafkaLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The level a KafkaJS entry is worth. */
export function levelOfKafkaEntry(entry: KafkaLogEntry): KafkaLogLevel {
  const text = `${entry.log.error ?? ''} ${entry.log.message}`;
  if (entry.level <= KAFKAJS.WARN && EXPECTED.some((expected) => text.includes(expected))) return 'debug';
  if (entry.level === KAFKAJS.ERROR) return 'error';
  if (entry.level === KAFKAJS.WARN) return 'warn';
  if (entry.level === KAFKAJS.INFO) return 'info';
  return 'debug';
}

/** A KafkaJS `logCreator` writing to `logger` (the process logger by default). */
export function kafkaLogCreator(logger: Logger = processLogger()): (level: number) => (entry: KafkaLogEntry) => void {
  const kafka = logger.child({ context: 'kafkajs' });
  return () => (entry) => {
    const { message, ...fields } = entry.log;
    kafka[levelOfKafkaEntry(entry)]({ ...fields, kafka_namespace: entry.namespace }, message);
  };
}
