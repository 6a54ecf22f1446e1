// One consumer group takes one batch handling; a service whose group reads several topics has one
// per kind of run (job facts, usage facts, ...). combineBatchHandling makes them one: a run is cut
// into its consecutive stretches of each handling's types, and each stretch goes to its handling,
// in log order, so the whole run is applied as the per-event handlers would apply it.
import type { LoggedEvent } from '@switchyard/event-log';
import type { BatchHandling } from './event-context.js';

export function combineBatchHandling(...handlings: readonly BatchHandling[]): BatchHandling {
  const owner = new Map<string, BatchHandling>();
  for (const handling of handlings)
    for (const type of handling.types) {
      if (owner.has(type)) throw new Error(`two batch handlings take ${type}`);
      owner.set(type, handling);
    }
  return {
    types: new Set(owner.keys()),
    handle: async (events, context) => {
      let stretch: LoggedEvent[] = [];
      let current: BatchHandling | undefined;
      for (const event of events) {
        const handling = owner.get(event.envelope.type);
        if (handling === undefined) throw new Error(`no batch handling takes ${event.envelope.type}`);
        if (handling !== current && stretch.length > 0) {
          await current!.handle(stretch, context);
          stretch = [];
        }
        current = handling;
        stretch.push(event);
      }
      if (stretch.length > 0) await current!.handle(stretch, context);
    },
  };
}
