// EventEnvelope <-> Kafka record. Header values are UTF-8 bytes; the value is the payload's
// protobuf canonical JSON, so `kcat -C -t jobs -f '%k %h %s\n'` shows everything readably.
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { encodeData, encodeHeaders, type EventEnvelope, type EventHeaders, type LoggedEvent } from '../envelope.js';
import { toLoggedEvent } from '../logged-event.js';
import type { UpcasterRegistry } from '../upcasting.js';

export function toKafkaMessage(envelope: EventEnvelope, partition: number): Message {
  return { key: envelope.subject, value: encodeData(envelope), headers: encodeHeaders(envelope), partition };
}

export function fromKafkaMessage(
  topic: string,
  partition: number,
  message: KafkaMessage,
  upcasters: UpcasterRegistry | undefined,
): LoggedEvent {
  return toLoggedEvent(
    {
      topic,
      partition,
      offset: message.offset,
      appendedAt: new Date(Number(message.timestamp)),
      key: message.key?.toString('utf8') ?? '',
    },
    headersOf(message.headers),
    message.value?.toString('utf8') ?? 'null',
    upcasters,
  );
}

function headersOf(raw: IHeaders | undefined): EventHeaders {
  const headers: EventHeaders = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    // A header repeated on one record arrives as an array; CloudEvents attributes are single-valued.
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name.toLowerCase()] = first.toString();
  }
  return headers;
}
