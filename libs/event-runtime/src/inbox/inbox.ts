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
  /**
   * Claims many at once; resolves, per event, whether it is to be applied (a second copy of the
   * same event in the batch is not).
   */
  claimAll(manager: EntityManager, consumerGroup: string, events: readonly LoggedEvent[]): Promise<boolean[]>;
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

  async claimAll(manager: EntityManager, consumerGroup: string, events: readonly LoggedEvent[]): Promise<boolean[]> {
    const rows: { event_id: string }[] = await manager.query(
      `INSERT INTO event_inbox (consumer_group, event_id, event_type, topic, partition, "offset")
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[])
       ON CONFLICT (consumer_group, event_id) DO NOTHING
       RETURNING event_id`,
      [
        consumerGroup,
        events.map((e) => e.envelope.id),
        events.map((e) => e.envelope.type),
        events.map((e) => e.topic),
        events.map((e) => e.partition),
        events.map((e) => e.offset),
      ],
    );
    const fresh = new Set(rows.map((row) => row.event_id));
    return events.map((event) => fresh.delete(event.envelope.id));
  }
}
