// Writing to the outbox: events caused by a state change, stored in the transaction that makes it.
import { dataschemaForEventType } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { activeTraceCarrier } from '@switchyard/telemetry';
import type { EntityManager } from 'typeorm';

export class Outbox {
  /**
   * Stores `envelopes` for `topic` in the transaction `manager` belongs to; the relay publishes
   * them after commit, in insertion order. Call it on a transaction's manager: on a plain
   * DataSource manager each statement commits by itself and the guarantee is gone.
   */
  async add(manager: EntityManager, topic: string, envelopes: EventEnvelope | readonly EventEnvelope[]): Promise<void> {
    const list: readonly EventEnvelope[] = Array.isArray(envelopes) ? envelopes : [envelopes as EventEnvelope];
    await this.addMany(manager, [{ topic, envelopes: this.withTrace(list) }]);
  }

  /** An event made inside a span (a gRPC call, a consumed event) continues that trace. */
  withTrace(envelopes: readonly EventEnvelope[]): EventEnvelope[] {
    const trace = activeTraceCarrier();
    return envelopes.map((original) => (original.traceparent || !trace.traceparent ? original : { ...original, ...trace }));
  }

  /** Rows for several topics in one statement, in the order given (the relay publishes in that order). */
  async addMany(manager: EntityManager, batches: readonly { topic: string; envelopes: readonly EventEnvelope[] }[]): Promise<void> {
    const rows = batches.flatMap(({ topic, envelopes }) => envelopes.map((envelope) => ({ topic, envelope })));
    if (rows.length === 0) return;
    if (manager.queryRunner?.isTransactionActive !== true) {
      throw new Error('Outbox.add needs the EntityManager of an open transaction');
    }
    await manager.query('INSERT INTO event_outbox (topic, event_id, envelope) SELECT * FROM unnest($1::text[], $2::text[], $3::json[])', [
      rows.map((r) => r.topic),
      rows.map((r) => r.envelope.id),
      rows.map((r) => JSON.stringify(withDataschema(r.envelope))),
    ]);
  }
}

/** Every record names the message its payload is (ce_dataschema), whichever service built it. */
export function withDataschema(envelope: EventEnvelope): EventEnvelope {
  const dataschema = envelope.dataschema ?? dataschemaForEventType(envelope.type);
  return dataschema === envelope.dataschema ? envelope : { ...envelope, dataschema };
}
