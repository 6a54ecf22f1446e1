// Applies one partition's batch, or the batches one poll read from several partitions (a round,
// taken as one batch). The fast path is ONE transaction for the whole batch: one
// statement claims every event in the inbox, the handlers run in order on the same transaction,
// one statement writes every outbox row they emitted. A cost per event of three statements and a
// commit becomes a cost per batch. If anything in the batch fails, the batch is rolled back and
// applied again event by event (each in its own transaction with its inbox claim, state change and
// outbox rows; retried with backoff; dead-lettered after the last attempt), so one poison event
// costs its batch a second pass but never blocks or loses the others.
import type { EventBatch, EventEnvelope, EventLog, LoggedEvent } from '@switchyard/event-log';
import { contextOf, inSpan, isDependencyOutage, SpanKind } from '@switchyard/telemetry';
import type { DataSource } from 'typeorm';
import { deadLetterTopic, toDeadLetterEnvelope } from '../dead-letter/dead-letter.js';
import type { InboxStore } from '../inbox/inbox.js';
import type { Outbox } from '../outbox/outbox.js';
import { errorMessage, type RuntimeLogger } from '../runtime-logger.js';
import type { WakeSignal } from '../wake-signal.js';
import type { BatchHandling, EventHandler } from './event-context.js';
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
  /** Runs of events a batch handler takes at once, in the fast path. */
  readonly batchHandler?: BatchHandling;
  /**
   * Told when an event fails because a dependency is away (the database, the broker), and again
   * (`undefined`) once an event went through after that. Such failures are retried for as long as
   * the outage lasts and never count towards `maxAttempts`: an outage dead-letters nothing.
   */
  readonly onOutage?: (error: unknown | undefined) => void;
}

export class EventApplier {
  private readonly warnedTypes = new Set<string>();

  constructor(private readonly deps: EventApplierDeps) {}

  /**
   * The batches of several partitions (one poll) in one transaction, as one batch. If that fails,
   * each batch is applied as applyBatch does, except that the one holding the event that failed
   * the round goes event by event straight away (that was its first attempt).
   */
  async applyRound(batches: readonly EventBatch[]): Promise<void> {
    const events = batches.flatMap((batch) => batch.events);
    let failed: LoggedEvent | undefined;
    if (events.length > 1) {
      try {
        const outcomes = await this.applyTogether(events, (event) => (failed = event));
        for (const [i, event] of events.entries()) await this.deps.onOutcome?.(event, outcomes[i]!);
        return;
      } catch (error) {
        this.deps.logger.warn(
          `round of ${events.length} events from ${batches.length} partitions failed together (${errorMessage(error)}); applying it partition by partition`,
        );
        if (failed !== undefined) await this.deps.stopSignal.wait(backoffAfter(this.deps.retry, 1));
      }
    }
    for (const batch of batches) await this.applyBatch(batch, failed);
  }

  /** `failedBefore`: an event that already failed once together with others (a round's attempt). */
  async applyBatch(batch: EventBatch, failedBefore?: LoggedEvent): Promise<void> {
    let outcomes: EventOutcome[] | undefined;
    /** The event whose handler failed the batch: its attempt there was its first. */
    let failed: LoggedEvent | undefined = failedBefore !== undefined && batch.events.includes(failedBefore) ? failedBefore : undefined;
    if (batch.events.length > 1 && failed === undefined) {
      try {
        outcomes = await this.applyTogether(batch.events, (event) => (failed = event));
      } catch (error) {
        this.deps.logger.warn(
          `batch of ${batch.events.length} from ${batch.topic}/${batch.partition} failed together (${errorMessage(error)}); applying it event by event`,
        );
        if (failed !== undefined) await this.deps.stopSignal.wait(backoffAfter(this.deps.retry, 1));
      }
    }
    if (outcomes !== undefined) {
      for (const [i, event] of batch.events.entries()) await this.deps.onOutcome?.(event, outcomes[i]!);
      return;
    }
    for (const event of batch.events) {
      const outcome = await this.applyEvent(event, event === failed ? 2 : 1);
      await this.deps.onOutcome?.(event, outcome);
    }
  }

  /** The whole batch in one transaction: one inbox statement, the handlers, one outbox statement. */
  private applyTogether(events: readonly LoggedEvent[], onFailure: (event: LoggedEvent) => void): Promise<EventOutcome[]> {
    const { dataSource, groupId, inbox, outbox } = this.deps;
    const plan = events.map((event) => this.handlerOf(event));
    const claimed = events.filter((_, i) => typeof plan[i] === 'function');
    // Nothing to apply (every event ignored or unhandled): no transaction at all.
    if (claimed.length === 0) return Promise.resolve(plan as EventOutcome[]);
    return dataSource.transaction(async (manager) => {
      const fresh = claimed.length === 0 ? [] : await inbox.claimAll(manager, groupId, claimed);
      let claim = 0;
      const emitted: { topic: string; envelopes: readonly EventEnvelope[] }[] = [];
      const emit = async (topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void> => {
        emitted.push({ topic, envelopes: outbox.withTrace(Array.isArray(envelopes) ? envelopes : [envelopes as EventEnvelope]) });
      };
      const outcomes: EventOutcome[] = [];
      const batchHandler = this.deps.batchHandler;
      let run: LoggedEvent[] = [];
      const flush = async (): Promise<void> => {
        if (run.length === 0) return;
        const events = run;
        run = [];
        await batchHandler!.handle(events, { manager, emit }).catch((error: unknown) => {
          onFailure(events[0]!);
          throw error;
        });
      };
      for (const [i, event] of events.entries()) {
        const handler = plan[i]!;
        if (typeof handler !== 'function') {
          outcomes.push(handler);
          continue;
        }
        if (!fresh[claim++]) {
          outcomes.push('duplicate');
          continue;
        }
        outcomes.push('applied');
        if (batchHandler?.types.has(event.envelope.type)) {
          run.push(event);
          continue;
        }
        await flush();
        await inSpan(
          `process ${event.envelope.type}`,
          { kind: SpanKind.CONSUMER, parent: contextOf(event.envelope), attributes: this.spanAttributes(event) },
          () => handler(event, { manager, event, emit }),
        ).catch((error: unknown) => {
          onFailure(event);
          throw error;
        });
      }
      await flush();
      await outbox.addMany(manager, emitted);
      return outcomes;
    });
  }

  /** The handler for an event, or the outcome when there is none to run. */
  private handlerOf(event: LoggedEvent): EventHandler | 'ignored' | 'unhandled' {
    const { type } = event.envelope;
    if (this.deps.ignoredTypes.has(type)) return 'ignored';
    const handler = this.deps.resolveHandler(type);
    if (handler) return handler;
    this.warnUnhandled(event);
    return 'unhandled';
  }

  private warnUnhandled(event: LoggedEvent): void {
    const { type } = event.envelope;
    if (this.warnedTypes.has(type)) return;
    this.warnedTypes.add(type);
    this.deps.logger.warn(
      `consumer group ${this.deps.groupId} has no handler for ${type} and does not list it as ignored; skipping it (first seen at ${event.topic}/${event.partition}@${event.offset})`,
    );
  }

  /** `firstAttempt` 2 when the event already failed once (its batch's attempt). */
  private async applyEvent(event: LoggedEvent, firstAttempt = 1): Promise<EventOutcome> {
    const { type } = event.envelope;
    const handler = this.handlerOf(event);
    if (typeof handler !== 'function') return handler;
    let outages = 0;
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        const outcome = await this.inTransaction(event, handler);
        if (outages > 0) this.deps.onOutage?.(undefined);
        return outcome;
      } catch (error) {
        const message = errorMessage(error);
        if (isDependencyOutage(error) && !this.deps.isStopping()) {
          // Not the event's fault: wait for the dependency, as long as it takes.
          if (outages++ === 0)
            this.deps.logger.warn(`${type} ${event.envelope.id}: a dependency is unavailable (${message}); retrying until it is back`);
          this.deps.onOutage?.(error);
          attempt--;
          await this.deps.stopSignal.wait(backoffAfter(this.deps.retry, Math.min(outages, 10)));
          if (this.deps.isStopping())
            throw new Error(`consumer ${this.deps.groupId} stopping while waiting for a dependency (${event.envelope.id})`, {
              cause: error,
            });
          continue;
        }
        if (attempt >= this.deps.retry.maxAttempts) {
          await this.deadLetter(event, message, attempt);
          return 'dead-lettered';
        }
        this.deps.logger.warn(`${type} ${event.envelope.id} failed attempt ${attempt}: ${message}`);
        await this.deps.stopSignal.wait(backoffAfter(this.deps.retry, attempt));
        // Stopping mid-retry abandons the batch uncommitted; the next owner gets it again and the
        // inbox skips what this member already applied.
        if (this.deps.isStopping())
          throw new Error(`consumer ${this.deps.groupId} stopping while retrying ${event.envelope.id}`, { cause: error });
      }
    }
  }

  /**
   * One attempt, in a consumer span that continues the producer's trace (the envelope's
   * traceparent); events the handler emits carry this span's context on, so one job's lifecycle
   * is one trace across services.
   */
  private spanAttributes(event: LoggedEvent): Record<string, string> {
    return {
      'messaging.operation.type': 'process',
      'messaging.destination.name': event.topic,
      'messaging.destination.partition.id': String(event.partition),
      'messaging.message.id': event.envelope.id,
      'messaging.consumer.group.name': this.deps.groupId,
      'cloudevents.event_type': event.envelope.type,
      'cloudevents.event_subject': event.envelope.subject,
    };
  }

  private inTransaction(event: LoggedEvent, handler: EventHandler): Promise<EventOutcome> {
    const { dataSource, inbox, outbox, groupId } = this.deps;
    return inSpan(
      `process ${event.envelope.type}`,
      { kind: SpanKind.CONSUMER, parent: contextOf(event.envelope), attributes: this.spanAttributes(event) },
      () =>
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
    this.deps.logger.error(
      `${event.envelope.type} ${event.envelope.id} dead-lettered to ${deadLetterTopic(event.topic)} after ${attempts} attempts: ${error}`,
    );
  }
}
