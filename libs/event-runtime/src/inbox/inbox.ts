// The inbox: which events a consumer group has applied, written in the transaction that applies them.
import type { LoggedEvent } from '@switchyard/event-log';
import type { EntityManager } from 'typeorm';

/** Claims an event for a consumer group inside the caller's transaction. */
export interface InboxStore {
  /**
   * Resolves `true` when the event was not applied before (the claim commits with the caller's
   * transaction), `false` when it was: the caller must then change nothing.
   */
  claim(manager: EntityManager, consumerGroup: string, event: LoggedEvent): Promise<boolean>;
}

export class PostgresInbox implements InboxStore {
  async claim(manager: EntityManager, consumerGroup: string, event: LoggedEvent): Promise<boolean> {
    // A concurrent claim of the same id (two owners around a rebalance) waits on the primary key
    // until the first transaction ends, then inserts nothing: only one of them applies the event.
    const rows: unknown[] = await manager.query(
      `INSERT INTO event_inbox (consumer_group, event_id, event_type, topic, partition, "offset")
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (consumer_group, event_id) DO NOTHING
       RETURNING 1`,
      [consumerGroup, event.envelope.id, event.envelope.type, event.topic, event.partition, event.offset],
    );
    return rows.length === 1;
  }
}
