// One way a use case changes state: load what the decision needs (locking it) in one transaction,
// decide with a pure function, persist the decision's effects (projection rows) and store its
// events in the outbox in that same transaction, then answer. The events are published by the
// relay only if the transaction commits, so no state change is without its event and no event is
// without its state change. A gRPC use case opens its own transaction from the DataSource; a
// consumer that decides runs the command in the transaction of the event it consumes (the inbox
// row and its emits), where the consumer's retry policy, not `retry`, handles a conflict.
import type { EventEnvelope } from '@switchyard/event-log';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventHandlingContext } from '../consumer/event-context.js';
import { Outbox } from '../outbox/outbox.js';

/** Events to publish on one topic, in order. */
export interface TopicEvents {
  readonly topic: string;
  readonly envelopes: readonly EventEnvelope[];
}

/** What persisting a decision produced: the answer, and the events the outbox stores with it. */
export interface Persisted<Result> {
  readonly result: Result;
  readonly events?: readonly TopicEvents[];
}

export interface Command<State, Decision, Result> {
  /** Reads, and locks, what the decision needs. */
  load(tx: EntityManager): Promise<State>;
  /** The decider: pure, given the loaded state. */
  decide(state: State): Decision;
  /** Applies the decision to the service's tables and names the events it publishes. */
  persist(tx: EntityManager, decision: Decision, state: State): Promise<Persisted<Result>>;
}

export interface CommandOptions {
  /**
   * Load and decide again, in a new transaction, when the transaction fails this way: a concurrent
   * writer took what the decision counted on (a unique key, capacity). At most `attempts` tries.
   */
  readonly retry?: { readonly attempts: number; readonly when: (error: unknown) => boolean };
}

/** Where a command runs: its own transaction, or the transaction of a consumed event. */
export type CommandScope = DataSource | Pick<EventHandlingContext, 'manager' | 'emit'>;

const outbox = new Outbox();

export async function handleCommand<State, Decision, Result>(
  scope: CommandScope,
  command: Command<State, Decision, Result>,
  options: CommandOptions = {},
): Promise<Result> {
  if ('emit' in scope) {
    const persisted = await run(scope.manager, command);
    for (const { topic, envelopes } of persisted.events ?? []) await scope.emit(topic, envelopes);
    return persisted.result;
  }
  const attempts = Math.max(1, options.retry?.attempts ?? 1);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await scope.transaction(async (tx) => {
        const persisted = await run(tx, command);
        const batches = (persisted.events ?? []).map(({ topic, envelopes }) => ({ topic, envelopes: outbox.withTrace(envelopes) }));
        await outbox.addMany(tx, batches);
        return persisted.result;
      });
    } catch (error) {
      if (attempt >= attempts || options.retry?.when(error) !== true) throw error;
    }
  }
}

async function run<State, Decision, Result>(tx: EntityManager, command: Command<State, Decision, Result>): Promise<Persisted<Result>> {
  const state = await command.load(tx);
  return command.persist(tx, command.decide(state), state);
}

/** PostgreSQL refused a row because another transaction committed the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  return pgCode(error) === '23505';
}

/** PostgreSQL aborted the transaction to keep it serializable, or broke a deadlock. */
export function isSerializationConflict(error: unknown): boolean {
  const code = pgCode(error);
  return code === '40001' || code === '40P01';
}

function pgCode(error: unknown): string | undefined {
  const found = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = found?.driverError?.code ?? found?.code;
  return typeof code === 'string' ? code : undefined;
}
