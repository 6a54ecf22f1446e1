// The exactly-once-effects core: in ONE database transaction, record the event in the inbox,
// apply the state change, and store the events it causes in the outbox. A redelivered event
// finds its inbox row and changes nothing; a rolled-back change leaves neither inbox row nor
// outbox rows behind, so nothing is published for it.
import type pg from 'pg';
import type { EventEnvelope } from '../envelope.js';

export interface OutgoingEvent {
  readonly topic: string;
  readonly envelope: EventEnvelope;
}

export type ApplyResult = 'applied' | 'duplicate';

export interface ApplyOnceOptions {
  /** The consumer's name (usually its group id): one inbox per consumer. */
  readonly consumer: string;
  /** The event's `ce_id`. */
  readonly eventId: string;
}

export async function applyOnce(
  pool: pg.Pool,
  { consumer, eventId }: ApplyOnceOptions,
  apply: (tx: pg.PoolClient) => Promise<readonly OutgoingEvent[] | void>,
): Promise<ApplyResult> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const recorded = await tx.query(
      'INSERT INTO event_log_inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id',
      [consumer, eventId],
    );
    if (recorded.rowCount === 0) {
      await tx.query('ROLLBACK');
      return 'duplicate';
    }
    const outgoing = (await apply(tx)) ?? [];
    await enqueue(tx, outgoing);
    await tx.query('COMMIT');
    return 'applied';
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}

/** Stores events in the outbox inside the caller's transaction (e.g. a gRPC command handler's). */
export async function enqueue(tx: pg.ClientBase, outgoing: readonly OutgoingEvent[]): Promise<void> {
  if (outgoing.length === 0) return;
  await tx.query(
    `INSERT INTO event_log_outbox (topic, envelope)
     SELECT t, e FROM unnest($1::text[], $2::json[]) WITH ORDINALITY AS x(t, e, n) ORDER BY n`,
    [outgoing.map((o) => o.topic), outgoing.map((o) => JSON.stringify(o.envelope))],
  );
}
