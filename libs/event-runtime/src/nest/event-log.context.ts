// The `@Ctx()` of an `@EventPattern` handler served by EventLogServer.
import { BaseRpcContext } from '@nestjs/microservices';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import type { EntityManager } from 'typeorm';
import type { EventHandlingContext } from '../consumer/event-context.js';

export class EventLogContext extends BaseRpcContext<[EventHandlingContext]> {
  constructor(handling: EventHandlingContext) {
    super([handling]);
  }

  /** The transaction's manager: every write through it commits together with the inbox record. */
  getManager(): EntityManager {
    return this.args[0].manager;
  }

  /** The event as logged: envelope, topic, partition, offset. */
  getEvent(): LoggedEvent {
    return this.args[0].event;
  }

  getEnvelope(): EventEnvelope {
    return this.args[0].event.envelope;
  }

  /** The runtime's handling context (event, transaction, outbox), for code shared with plain handlers. */
  handling(): EventHandlingContext {
    return this.args[0];
  }

  /** Stores events in the outbox within this transaction; they are published after it commits. */
  emit(topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void> {
    return this.args[0].emit(topic, envelopes);
  }
}
