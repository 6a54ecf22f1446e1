// A logged event with its payload decoded by the topic's envelope type, through contracts' one
// reader. Payloads are the protobuf canonical JSON of the topic envelope (`{"jobPlaced": {...}}`,
// what every service writes); anything else is shown undecoded, as it is in the log.
import { events, readEvent, type EventFamily, type TopicName } from '@switchyard/contracts';
import type { JsonValue, LoggedEvent } from '@switchyard/event-log';

export interface DecodedEvent {
  readonly logged: LoggedEvent;
  readonly family: TopicName | undefined;
  /** Short message name from ce_type, e.g. `JobPlaced`. */
  readonly name: string;
  /** The decoded message (e.g. an events.JobPlaced), or undefined when the type is unknown. */
  readonly message: unknown;
  /** The message as canonical JSON, for `--json` output. */
  readonly json: JsonValue;
}

interface EnvelopeCodec {
  toJSON(message: never): unknown;
}

const CODECS: Readonly<Record<TopicName, EnvelopeCodec>> = {
  jobs: events.JobEvent as EnvelopeCodec,
  providers: events.ProviderEvent as EnvelopeCodec,
  usage: events.UsageEvent as EnvelopeCodec,
  ledger: events.LedgerEvent as EnvelopeCodec,
};

const FAMILY_OF: Readonly<Record<TopicName, EventFamily>> = { jobs: 'job', providers: 'provider', usage: 'usage', ledger: 'ledger' };

export function decodeEvent(logged: LoggedEvent, family: TopicName | undefined): DecodedEvent {
  const name = logged.envelope.type.split('.').pop() ?? logged.envelope.type;
  const data = logged.envelope.data;
  if (family === undefined) return { logged, family, name, message: undefined, json: data };
  const member = name.charAt(0).toLowerCase() + name.slice(1);
  const envelope = readEvent(FAMILY_OF[family], logged.envelope) as Record<string, unknown> | undefined;
  const message = envelope?.[member];
  if (message === undefined) return { logged, family, name, message: undefined, json: data };
  const json = (CODECS[family].toJSON(envelope as never) as Record<string, JsonValue>)[member] ?? {};
  return { logged, family, name, message, json };
}
