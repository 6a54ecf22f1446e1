// A NestJS custom transport over the EventLog port: `@EventPattern('<ce_type>')` methods become
// the handlers of an EventConsumer, so inbox, outbox, batching, retries and dead letters are done
// here once, not in each service.
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { EventLog, LoggedEvent, PartitionLag } from '@switchyard/event-log';
import { isObservable, lastValueFrom } from 'rxjs';
import type { DataSource } from 'typeorm';
import type { EventOutcome } from '../consumer/event-applier.js';
import type { BatchHandling, EventHandler } from '../consumer/event-context.js';
import { EventConsumer } from '../consumer/event-consumer.js';
import type { RetryPolicy } from '../consumer/retry-policy.js';
import { OutboxRelay, type OutboxRelayOptions } from '../outbox/outbox-relay.js';
import { EventLogContext } from './event-log.context.js';

export const EVENT_LOG_TRANSPORT = Symbol('switchyard.event-log');

export interface EventLogServerOptions {
  readonly eventLog: EventLog;
  /** The service's DataSource, with CreateEventInbox/CreateEventOutbox among its migrations. */
  readonly dataSource: DataSource;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Event types the service skips on purpose (others without a handler are warned about). */
  readonly ignoredTypes?: readonly string[];
  readonly retry?: Partial<RetryPolicy>;
  readonly maxBatchSize?: number;
  readonly fromBeginning?: boolean;
  /** Runs the outbox relay in this process (default true); pass options to tune it. */
  readonly relay?: boolean | Omit<OutboxRelayOptions, 'dataSource' | 'eventLog'>;
  readonly onOutcome?: (event: LoggedEvent, outcome: EventOutcome) => void | Promise<void>;
  /** Runs of events one handler takes at once (a projection's batch path); per-event handlers stay the fallback. */
  readonly batchHandler?: BatchHandling;
  /** Handlers by event type beside the `@EventPattern` ones (which win when both name a type). */
  readonly handlers?: ReadonlyMap<string, EventHandler>;
}

export class EventLogServer extends Server implements CustomTransportStrategy {
  override readonly transportId = EVENT_LOG_TRANSPORT;
  // handleEvent is not used: this server awaits each handler itself, so failures reach the retry loop.
  override readonly propagatesEventHandlerErrors = true;
  private consumer: EventConsumer | undefined;
  private relay: OutboxRelay | undefined;

  constructor(private readonly options: EventLogServerOptions) {
    super();
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      const { eventLog, dataSource } = this.options;
      this.consumer = new EventConsumer({
        eventLog,
        dataSource,
        groupId: this.options.groupId,
        topics: this.options.topics,
        handlers: (type) => this.handlerFor(type),
        ignoredTypes: this.options.ignoredTypes,
        retry: this.options.retry,
        maxBatchSize: this.options.maxBatchSize,
        fromBeginning: this.options.fromBeginning,
        logger: this.logger,
        onOutcome: this.options.onOutcome,
        ...(this.options.batchHandler ? { batchHandler: this.options.batchHandler } : {}),
      });
      await this.consumer.start();
      const relay = this.options.relay ?? true;
      if (relay !== false) {
        this.relay = new OutboxRelay({ ...(relay === true ? {} : relay), dataSource, eventLog, logger: this.logger });
        this.relay.start();
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops consuming after the batch in progress (committing it), then stops the relay. */
  async close(): Promise<void> {
    await this.consumer?.stop();
    await this.relay?.stop();
    this.consumer = this.relay = undefined;
  }

  /** Per-partition lag of the consumer group, ready for a metrics gauge. */
  async consumerLag(): Promise<PartitionLag[]> {
    if (!this.consumer) throw new Error('EventLogServer is not listening');
    return this.consumer.lag();
  }

  on(): never {
    throw new Error('EventLogServer has no events to subscribe to; use the EventLog port');
  }

  unwrap<T>(): T {
    return this.options.eventLog as T;
  }

  /** Handlers are registered before `listen`; each type's lookup (Nest parses the pattern) is done once. */
  private readonly handlers = new Map<string, EventHandler | undefined>();

  private handlerFor(type: string): EventHandler | undefined {
    if (this.handlers.has(type)) return this.handlers.get(type);
    const handler = this.getHandlerByPattern(type);
    const wrapped: EventHandler | undefined =
      handler === null || handler === undefined
        ? this.options.handlers?.get(type)
        : async (event, handling) => {
            const result: unknown = await handler(event.envelope.data, new EventLogContext(handling));
            // Nest's exception filters turn a thrown error into an erroring Observable.
            if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          };
    this.handlers.set(type, wrapped);
    return wrapped;
  }
}
