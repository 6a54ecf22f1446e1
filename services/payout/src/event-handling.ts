// The runtime's handling context as payout's handlers use it: the event, its transaction, its outbox.
import type { EventHandlingContext, EventLogContext } from '@switchyard/event-runtime';

export function handlingOf(context: EventLogContext): EventHandlingContext {
  return { manager: context.getManager(), event: context.getEvent(), emit: (topic, envelopes) => context.emit(topic, envelopes) };
}
