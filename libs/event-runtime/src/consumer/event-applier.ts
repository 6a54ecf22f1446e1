// Applies one partition's batch, event by event: each event in its own transaction with its
// inbox claim, its state change and its outbox rows; retried with backoff; dead-lettered after
// the last attempt so the partition moves on.
import type { EventBatch, EventLog, LoggedEvent } from '@switchyard/event-log';
import { contextOf, inSpan, SpanKind } from '@switchyard/telemetry';
import type { DataSource } from 'typeorm';
import { deadLetterTopic, toDeadLetterEnvelope } from '../dead-letter/dead-letter.js';
import type { InboxStore } from '../inbox/inbox.js';
import type { Outbox } from '../outbox/outbox.js';
import { errorMessage, type RuntimeLogger } from '../runtime-logger.js';
import type { WakeSignal } from '../wake-signal.js';
import type { EventHandler } from './event-context.js';
import { backoffAfter, type RetryPolicy } from './retry-policy.js';

export type EventOutcome = 'applied' | 'duplicate' | 'dead-lettered' | 'ignored' | 'unhandled';

export interface EventApplierDeps {
  readonly dataSource: DataSource;
  readonly eventLog: EventLog;
  readonly groupId: string;
  readonly inbox: InboxStore;
  readonly outbox: Outbox;
  readonly retry: RetryPolicy;
  readonly logger: RuntimeLogger;
  readonly resolveHandler: (type: string) => EventHandler | undefined;
  readonly ignoredTypes: ReadonlySet<string>;
  /** Ends backoff pauses early when the consumer stops. */
  readonly stopSignal: WakeSignal;
  readonly isStopping: () => boolean;
  readonly onOutcome?: (event: LoggedEvent, outcome: EventOutcome) => void | Promise<void>;
}

export class EventApplier {
  private readonly warnedTypes = new Set<string>();

  constructor(private readonly deps: EventApplierDeps) {}

  async applyBatch(batch: EventBatch): Promise<void> {
    for (const event of batch.events) {
      const outcome = await this.applyEvent(event);
      await this.deps.onOutcome?.(event, outcome);
    }
  }

  private async applyEvent(event: LoggedEvent): Promise<EventOutcome> {
    const { type } = event.envelope;
    if (this.deps.ignoredTypes.has(type)) return 'ignored';
    const handler = this.deps.resolveHandler(type);
    if (!handler) {
      if (!this.warnedTypes.has(type)) {
        this.warnedTypes.add(type);
        this.deps.logger.warn(`consumer group ${this.deps.groupId} has no handler for ${type} and does not list it as ignored; skipping it (first seen at ${event.topic}/${event.partition}@${event.offset})`);
      }
      return 'unhandled';
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inTransaction(event, handler);
      } catch (error) {
        const message = errorMessage(error);
        if (attempt >= this.deps.retry.maxAttempts) {
          await this.deadLetter(event, message, attempt);
          return 'dead-lettered';
        }
        this.deps.logger.warn(`${type} ${event.envelope.id} failed attempt ${attempt}: ${message}`);
        await this.deps.stopSignal.wait(backoffAfter(this.deps.retry, attempt));
        // Stopping mid-retry abandons the batch uncommitted; the next owner gets it again and the
        // inbox skips what this member already applied.
        if (this.deps.isStopping()) throw new Error(`consumer ${this.deps.groupId} stopping while retrying ${event.envelope.id}`, { cause: error });
      }
    }
  }

  /**
   * One attempt, in a consumer span that continues the producer's trace (the envelope's
   * traceparent); events the handler emits carry this span's context on, so one job's lifecycle
   * is one trace across services.
   */
  private inTransaction(event: LoggedEvent, handler: EventHandler): Promise<EventOutcome> {
    const { dataSource, groupId, inbox, outbox } = this.deps;
    const attributes = {
      'messaging.operation.type': 'process',
      'messaging.destination.name': event.topic,
      'messaging.destination.partition.id': String(event.partition),
      'messaging.kafka.offset': event.offset,
      'messaging.message.id': event.envelope.id,
      'messaging.consumer.group.name': groupId,
      'cloudevents.event_type': event.envelope.type,
      'cloudevents.event_subject': event.envelope.subject,
    };
    return inSpan(`process ${event.envelope.type}`, { kind: SpanKind.CONSUMER, parent: contextOf(event.envelope), attributes }, () =>
      dataSource.transaction(async (manager) => {
        if (!(await inbox.claim(manager, groupId, event))) return 'duplicate';
        await handler(event, { manager, event, emit: (topic, envelopes) => outbox.add(manager, topic, envelopes) });
        return 'applied';
      }),
    );
  }

  private async deadLetter(event: LoggedEvent, error: string, attempts: number): Promise<void> {
    const envelope = toDeadLetterEnvelope(event, this.deps.groupId, error, attempts, new Date());
    // If this append fails, the batch handler rejects and the batch is delivered again: the event
    // is retried, never dropped.
    await this.deps.eventLog.append(deadLetterTopic(event.topic), [envelope]);
    this.deps.logger.error(`${event.envelope.type} ${event.envelope.id} dead-lettered to ${deadLetterTopic(event.topic)} after ${attempts} attempts: ${error}`);
  }
}
