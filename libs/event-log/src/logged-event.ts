// Turning a stored record back into a LoggedEvent is the same on both backends:
// decode the CloudEvents headers, then upcast old payload shapes.
import { decodeEnvelope, type EventHeaders, type LoggedEvent } from './envelope.js';
import type { UpcasterRegistry } from './upcasting.js';

export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly appendedAt: Date;
  readonly key: string;
}

export function toLoggedEvent(
  position: RecordPosition,
  headers: EventHeaders,
  payload: string,
  upcasters: UpcasterRegistry | undefined,
): LoggedEvent {
  const decoded = decodeEnvelope(headers, payload);
  return { ...position, envelope: upcasters ? upcasters.upcast(decoded) : decoded };
}
