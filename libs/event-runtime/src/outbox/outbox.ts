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
    if (list.length === 0) return;
    if (manager.queryRunner?.isTransactionActive !== true) {
      throw new Error('Outbox.add needs the EntityManager of an open transaction');
    }
    // An event made inside a span (a gRPC call, a consumed event) continues that trace.
    const trace = activeTraceCarrier();
    const params: string[] = [];
    const rows = list.map((original, i) => {
      const traced = original.traceparent || !trace.traceparent ? original : { ...original, ...trace };
      // Every record names the message its payload is (ce_dataschema), whichever service built it.
      const dataschema = traced.dataschema ?? dataschemaForEventType(traced.type);
      const envelope = dataschema === traced.dataschema ? traced : { ...traced, dataschema };
      params.push(topic, envelope.id, JSON.stringify(envelope));
      return `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3}::json)`;
    });
    await manager.query(`INSERT INTO event_outbox (topic, event_id, envelope) VALUES ${rows.join(', ')}`, params);
  }
}
