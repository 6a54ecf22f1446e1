// Old payload shapes are upgraded on read, so consumers and replays only ever see the current
// shape, and the log itself stays immutable. An upcaster moves one event type from one
// `dataschema` to the next; the registry chains them until no upcaster matches.
import type { EventEnvelope, JsonValue } from './envelope.js';

export interface Upcaster {
  /** Fully qualified proto message name, e.g. `switchyard.events.v1.JobSubmitted`. */
  readonly type: string;
  /** The `dataschema` it reads; `undefined` matches events written without one. */
  readonly from: string | undefined;
  /** The `dataschema` of what it returns. */
  readonly to: string;
  /** Pure: the old payload (and its envelope, for context) in, the newer payload out. */
  upcast(data: JsonValue, envelope: EventEnvelope): JsonValue;
}

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const upcaster of upcasters) this.register(upcaster);
  }

  register(upcaster: Upcaster): this {
    const key = keyOf(upcaster.type, upcaster.from);
    if (this.byKey.has(key)) {
      throw new Error(`an upcaster for ${upcaster.type} from ${upcaster.from ?? '(none)'} is already registered`);
    }
    this.byKey.set(key, upcaster);
    return this;
  }

  /** Applies every matching upcaster in turn; events with no upcaster come back unchanged. */
  upcast(envelope: EventEnvelope): EventEnvelope {
    let current = envelope;
    const seen = new Set<string>();
    for (;;) {
      const key = keyOf(current.type, current.dataschema);
      const upcaster = this.byKey.get(key);
      if (!upcaster) return current;
      if (seen.has(key)) throw new Error(`upcasters for ${current.type} form a cycle at ${current.dataschema}`);
      seen.add(key);
      current = { ...current, dataschema: upcaster.to, data: upcaster.upcast(current.data, current) };
    }
  }
}

function keyOf(type: string, dataschema: string | undefined): string {
  return `${type}\u0000${dataschema ?? ''}`;
}
