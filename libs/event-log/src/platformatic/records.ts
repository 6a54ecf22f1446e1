// EventEnvelope <-> @platformatic/kafka record: the same layout as the KafkaJS adapter's
// (key = subject, CloudEvents attributes as UTF-8 headers, value = the payload's JSON), so either
// client reads what the other wrote.
import type { Message, MessageToProduce } from '@platformatic/kafka';
import { encodeData, encodeHeaders, type EventEnvelope, type EventHeaders, type LoggedEvent } from '../envelope.js';
import { toLoggedEvent } from '../logged-event.js';
import type { UpcasterRegistry } from '../upcasting.js';

export function toRecord(topic: string, envelope: EventEnvelope, partition: number): MessageToProduce {
  const headers = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(encodeHeaders(envelope))) headers.set(Buffer.from(name), Buffer.from(value));
  return { topic, partition, key: Buffer.from(envelope.subject), value: Buffer.from(encodeData(envelope)), headers };
}

export function fromRecord(message: Message, upcasters: UpcasterRegistry | undefined): LoggedEvent {
  const headers: EventHeaders = {};
  for (const [name, value] of message.headers) {
    const key = name.toString('utf8').toLowerCase();
    // A header repeated on one record: the first wins (CloudEvents attributes are single-valued).
    if (!(key in headers)) headers[key] = value.toString('utf8');
  }
  return toLoggedEvent(
    {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset.toString(),
      appendedAt: new Date(Number(message.timestamp)),
      key: message.key?.toString('utf8') ?? '',
    },
    headers,
    message.value?.toString('utf8') ?? 'null',
    upcasters,
  );
}
