// A row of the event_log table and its conversion to a LoggedEvent, shared by reads and consumers.
import type { EventHeaders, LoggedEvent } from '../envelope.js';
import { toLoggedEvent } from '../logged-event.js';
import type { UpcasterRegistry } from '../upcasting.js';

export interface StoredRow {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: EventHeaders;
  payload: string;
  appended_at: Date;
}

export function fromRow(row: StoredRow, upcasters: UpcasterRegistry | undefined): LoggedEvent {
  return toLoggedEvent(
    { topic: row.topic, partition: row.partition, offset: row.offset, appendedAt: row.appended_at, key: row.key },
    row.headers,
    row.payload,
    upcasters,
  );
}
