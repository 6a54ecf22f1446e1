// A ClientProxy that appends events through the EventLog port: `client.emit(topic, envelopes)`.
// It publishes at once, outside any transaction: for events that follow a state change, use the
// outbox (Outbox.add, or EventLogContext.emit) instead.
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { AppendedPosition, EventEnvelope, EventLog } from '@switchyard/event-log';

export class EventLogClient extends ClientProxy {
  constructor(private readonly eventLog: EventLog) {
    super();
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  unwrap<T>(): T {
    return this.eventLog as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error('the event log carries events only: use emit(topic, envelopes), not send()'), isDisposed: true });
    return () => undefined;
  }

  protected async dispatchEvent<T = AppendedPosition[]>(packet: ReadPacket<EventEnvelope | EventEnvelope[]>): Promise<T> {
    if (typeof packet.pattern !== 'string') throw new Error('EventLogClient.emit takes the topic name as its pattern');
    const envelopes = Array.isArray(packet.data) ? packet.data : [packet.data];
    return (await this.eventLog.append(packet.pattern, envelopes)) as T;
  }
}
