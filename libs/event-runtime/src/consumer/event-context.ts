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

/**
 * Applies several consecutive events of one partition at once, in the batch's transaction (their
 * inbox rows are already claimed): for a projection that can turn a run of events into a few
 * statements. The events arrive in log order; a failure fails the batch, which is then applied
 * event by event through the per-event handlers.
 */
export type BatchEventHandler = (events: readonly LoggedEvent[], context: Omit<EventHandlingContext, 'event'>) => Promise<void>;

export interface BatchHandling {
  /** Event types (`ce_type`) the batch handler takes; they must also have a per-event handler. */
  readonly types: ReadonlySet<string>;
  readonly handle: BatchEventHandler;
}
