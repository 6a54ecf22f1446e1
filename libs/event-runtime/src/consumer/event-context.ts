// What a handler gets besides the payload: the transaction and the event's position.
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import type { EntityManager } from 'typeorm';

export interface EventHandlingContext {
  /** The manager of the transaction that also records the event in the inbox. */
  readonly manager: EntityManager;
  readonly event: LoggedEvent;
  /** Stores events in the outbox, in this transaction: published only if it commits. */
  emit(topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void>;
}

export type EventHandler = (event: LoggedEvent, context: EventHandlingContext) => Promise<void>;
