// The event runtime's metrics, the same for every service: per consumer group, its lag per
// partition, what it did with each event and how long applying it took, and the dead letters it
// wrote; per outbox, its backlog and the events the relay appended (names and meaning in
// @switchyard/telemetry's switchyardMetrics and docs/observability.md).
import { KafkaEventLog, type EventLog, type LoggedEvent } from '@switchyard/event-log';
import {
  counter,
  histogram,
  observeGauge,
  semconv,
  switchyardMetrics,
  SWITCHYARD_ATTRIBUTES,
  trace,
  type ObservedGauge,
} from '@switchyard/telemetry';
import type { DataSource } from 'typeorm';
import type { EventOutcome } from '../consumer/event-applier.js';
import type { EventHandler } from '../consumer/event-context.js';

const processDuration = histogram(switchyardMetrics.MESSAGING_PROCESS_DURATION);
const consumed = counter(switchyardMetrics.MESSAGING_CONSUMED);
const deadLetters = counter(switchyardMetrics.DEAD_LETTERS);
const sent = counter(switchyardMetrics.MESSAGING_SENT);

/** `messaging.system`: `kafka`, or `postgresql` for the PostgreSQL event log. */
export function messagingSystemOf(eventLog: EventLog): string {
  return eventLog instanceof KafkaEventLog ? semconv.MESSAGING_SYSTEM_VALUE_KAFKA : 'postgresql';
}

export interface ConsumerMetrics {
  /** The handler, timed into messaging.process.duration. */
  timed(handler: EventHandler): EventHandler;
  /** Counts the event by outcome, and dead letters. */
  outcome(event: LoggedEvent, outcome: EventOutcome): void;
  /** Stops observing the group's lag. */
  remove(): void;
}

export function consumerMetrics(eventLog: EventLog, groupId: string, topics: readonly string[]): ConsumerMetrics {
  const system = messagingSystemOf(eventLog);
  const base = { [semconv.ATTR_MESSAGING_SYSTEM]: system, [semconv.ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId };
  // Every partition of every topic, the same set on every scrape (an empty partition reports 0).
  const lag: ObservedGauge = observeGauge(switchyardMetrics.CONSUMER_LAG, async () =>
    (await Promise.all(topics.map((topic) => eventLog.admin.lag(groupId, topic)))).flat().map((partition) => ({
      value: partition.lag,
      attributes: {
        ...base,
        [semconv.ATTR_MESSAGING_DESTINATION_NAME]: partition.topic,
        [semconv.ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(partition.partition),
      },
    })),
  );
  // A zero series per topic from the start, so `increase()` in an alert sees the first dead letter.
  for (const topic of topics) deadLetters.add(0, { ...base, [semconv.ATTR_MESSAGING_DESTINATION_NAME]: topic });
  return {
    timed: (handler) => async (event, context) => {
      // The handler runs inside the event's CONSUMER span: complete its semantic-convention attributes.
      trace.getActiveSpan()?.setAttributes({
        [semconv.ATTR_MESSAGING_SYSTEM]: system,
        [semconv.ATTR_MESSAGING_OPERATION_NAME]: 'process',
        ...(system === semconv.MESSAGING_SYSTEM_VALUE_KAFKA
          ? { [semconv.ATTR_KAFKA_OFFSET]: Number(event.offset), [semconv.ATTR_KAFKA_MESSAGE_KEY]: event.key }
          : {}),
      });
      const started = performance.now();
      let errorType: string | undefined;
      try {
        await handler(event, context);
      } catch (error) {
        errorType = error instanceof Error ? error.name : 'Error';
        throw error;
      } finally {
        processDuration.record((performance.now() - started) / 1000, {
          ...base,
          [semconv.ATTR_MESSAGING_OPERATION_NAME]: 'process',
          [semconv.ATTR_MESSAGING_DESTINATION_NAME]: event.topic,
          ...(errorType ? { [semconv.ATTR_ERROR_TYPE]: errorType } : {}),
        });
      }
    },
    outcome: (event, outcome) => {
      const attributes = { ...base, [semconv.ATTR_MESSAGING_DESTINATION_NAME]: event.topic };
      consumed.add(1, { ...attributes, [SWITCHYARD_ATTRIBUTES.outcome]: outcome });
      if (outcome === 'dead-lettered') deadLetters.add(1, { ...attributes, [semconv.ATTR_CLOUDEVENTS_EVENT_TYPE]: event.envelope.type });
    },
    remove: () => lag.remove(),
  };
}

export interface RelayMetrics {
  appended(topic: string, count: number): void;
  remove(): void;
}

/** The outbox of the DataSource's schema: its backlog, observed on collection, and what was relayed. */
export function relayMetrics(eventLog: EventLog, dataSource: DataSource): RelayMetrics {
  const system = messagingSystemOf(eventLog);
  // One row per outbox, labelled with its schema; the table holds only rows not yet relayed, so these stay cheap.
  const observe = (sql: string) => async () => {
    const [row] = (await dataSource.query(`SELECT (${sql})::float8 AS value, current_schema() AS schema FROM event_outbox`)) as {
      value: number;
      schema: string;
    }[];
    return [{ value: Number(row?.value ?? 0), attributes: { 'db.namespace': row?.schema ?? '' } }];
  };
  const backlog = observeGauge(switchyardMetrics.OUTBOX_BACKLOG, observe('count(*)'));
  const oldest = observeGauge(switchyardMetrics.OUTBOX_OLDEST_AGE, observe('COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)'));
  return {
    appended: (topic, count) =>
      sent.add(count, { [semconv.ATTR_MESSAGING_SYSTEM]: system, [semconv.ATTR_MESSAGING_DESTINATION_NAME]: topic }),
    remove: () => {
      backlog.remove();
      oldest.remove();
    },
  };
}
