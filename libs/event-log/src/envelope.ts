// The envelope every event travels in: CloudEvents 1.0, binary content mode.
// Context attributes are record headers (`ce_<name>`), the payload is the record value,
// and the record key is the entity id, which is also `ce_subject`.
// See docs/event-log.md for the header table.

/** A JSON value as produced by protobuf canonical JSON (int64 as strings). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';

export interface EventEnvelope {
  /** `ce_id`: unique per event; consumers deduplicate on it. */
  readonly id: string;
  /** `ce_type`: fully qualified proto message name, e.g. `switchyard.events.v1.JobSubmitted`. */
  readonly type: string;
  /** `ce_source`: the producing service, e.g. `/switchyard/intake`. */
  readonly source: string;
  /** `ce_subject`: the entity id (job, provider, account); also the record key. */
  readonly subject: string;
  /** `ce_time`: when the fact happened (RFC 3339), taken from the decision's input, never a clock read here. */
  readonly time: string;
  /** `ce_dataschema`: the payload's schema version; upcasters are keyed on (type, dataschema). */
  readonly dataschema?: string;
  /** `ce_causationid`: the `ce_id` of the event or command that caused this one. */
  readonly causationId?: string;
  /** `ce_correlationid`: shared by every event of one business flow (e.g. one job's lifecycle). */
  readonly correlationId?: string;
  /** W3C trace context, passed explicitly so the consumer span can link to the producer span. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /**
   * Further CloudEvents extension attributes, each a `ce_<name>` header. Names are lowercase
   * letters and digits (CloudEvents naming rule); e.g. the dead-letter origin (`dlttopic`, ...).
   */
  readonly extensions?: Readonly<Record<string, string>>;
  /** The payload: protobuf canonical JSON of the message named by `type`. */
  readonly data: JsonValue;
}

/** Record headers as the log stores them: names are lowercase, values UTF-8 strings. */
export type EventHeaders = Record<string, string>;

/** An envelope as the log returned it, with its position. */
export interface LoggedEvent {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string, like Kafka offsets: int64 does not fit a JS number. */
  readonly offset: string;
  /** When the log stored the record (ms since epoch); read-by-time windows use this. */
  readonly appendedAt: Date;
  readonly key: string;
  readonly envelope: EventEnvelope;
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

// Attribute name -> header name. CloudEvents extension names are lowercase alphanumerics,
// hence `causationid`/`correlationid`; traceparent/tracestate follow the distributed-tracing
// extension, which the Kafka binding maps to unprefixed headers.
const optionalHeaders = {
  dataschema: 'ce_dataschema',
  causationId: 'ce_causationid',
  correlationId: 'ce_correlationid',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const satisfies Partial<Record<keyof EventEnvelope, string>>;

export function encodeHeaders(envelope: EventEnvelope): EventHeaders {
  requireNonEmpty(envelope);
  const headers: EventHeaders = {
    ce_specversion: CLOUDEVENTS_SPEC_VERSION,
    ce_id: envelope.id,
    ce_type: envelope.type,
    ce_source: envelope.source,
    ce_subject: envelope.subject,
    ce_time: envelope.time,
    'content-type': JSON_CONTENT_TYPE,
  };
  for (const [attribute, header] of Object.entries(optionalHeaders)) {
    const value = envelope[attribute as keyof typeof optionalHeaders];
    if (value !== undefined) headers[header] = value;
  }
  for (const [name, value] of Object.entries(envelope.extensions ?? {})) {
    if (!EXTENSION_NAME.test(name) || KNOWN_HEADERS.has(`ce_${name}`)) {
      throw new EnvelopeError(`extension attribute name ${JSON.stringify(name)} must be lowercase alphanumeric and not a core attribute`);
    }
    headers[`ce_${name}`] = value;
  }
  return headers;
}

const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const KNOWN_HEADERS = new Set([
  'ce_specversion',
  'ce_id',
  'ce_type',
  'ce_source',
  'ce_subject',
  'ce_time',
  ...Object.values(optionalHeaders),
]);

export function encodeData(envelope: EventEnvelope): string {
  return JSON.stringify(envelope.data);
}

/** Rebuilds an envelope from headers and the UTF-8 payload; rejects records that are not our CloudEvents. */
export function decodeEnvelope(headers: EventHeaders, payload: string): EventEnvelope {
  if (headers.ce_specversion !== CLOUDEVENTS_SPEC_VERSION) {
    throw new EnvelopeError(`unsupported ce_specversion ${JSON.stringify(headers.ce_specversion)}`);
  }
  const contentType = headers['content-type'];
  if (contentType !== undefined && !contentType.startsWith(JSON_CONTENT_TYPE)) {
    throw new EnvelopeError(`unsupported content-type ${contentType}`);
  }
  const envelope: { -readonly [K in keyof EventEnvelope]: EventEnvelope[K] } = {
    id: requiredHeader(headers, 'ce_id'),
    type: requiredHeader(headers, 'ce_type'),
    source: requiredHeader(headers, 'ce_source'),
    subject: requiredHeader(headers, 'ce_subject'),
    time: requiredHeader(headers, 'ce_time'),
    data: parsePayload(payload),
  };
  for (const [attribute, header] of Object.entries(optionalHeaders)) {
    const value = headers[header];
    if (value !== undefined) envelope[attribute as keyof typeof optionalHeaders] = value;
  }
  const extensions = Object.entries(headers).filter(([name]) => name.startsWith('ce_') && !KNOWN_HEADERS.has(name));
  if (extensions.length > 0) envelope.extensions = Object.fromEntries(extensions.map(([name, value]) => [name.slice(3), value]));
  return envelope;
}

function requiredHeader(headers: EventHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined || value === '') throw new EnvelopeError(`missing header ${name}`);
  return value;
}

function parsePayload(payload: string): JsonValue {
  try {
    return JSON.parse(payload) as JsonValue;
  } catch (error) {
    throw new EnvelopeError(`payload is not JSON: ${(error as Error).message}`);
  }
}

function requireNonEmpty(envelope: EventEnvelope): void {
  for (const attribute of ['id', 'type', 'source', 'subject', 'time'] as const) {
    if (!envelope[attribute]) throw new EnvelopeError(`envelope.${attribute} is required`);
  }
  if (Number.isNaN(Date.parse(envelope.time))) {
    throw new EnvelopeError(`envelope.time is not an RFC 3339 timestamp: ${envelope.time}`);
  }
}
