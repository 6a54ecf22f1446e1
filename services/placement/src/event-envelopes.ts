// CloudEvents envelopes for placement's events: ce_type is the proto message name, the payload is
// the protobuf canonical JSON of the topic's envelope message (e.g. {"jobPlaced": {...}}).
import { randomUUID } from 'node:crypto';
import { events, type api } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log';

const SOURCE = '/switchyard/placement';
const TYPE_PREFIX = 'switchyard.events.v1.';

export interface Causation {
  /** ce_id of the event or the id of the call that caused this one. */
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly traceparent?: string;
}

type OneOf<E> = { [K in keyof E]-?: { [P in K]: NonNullable<E[K]> } }[keyof E];

export function jobEnvelope(event: OneOf<events.JobEvent>, at: api.Timestamp | Date, cause: Causation = {}): EventEnvelope {
  const [member, payload] = soleMember(event);
  const subject = (payload as { jobId: string }).jobId;
  return envelope(member, subject, events.JobEvent.toJSON(event as events.JobEvent), at, { correlationId: subject, ...cause });
}

export function providerEnvelope(event: OneOf<events.ProviderEvent>, at: api.Timestamp | Date, cause: Causation = {}): EventEnvelope {
  const [member, payload] = soleMember(event);
  const subject = (payload as { providerId: string }).providerId;
  return envelope(member, subject, events.ProviderEvent.toJSON(event as events.ProviderEvent), at, cause);
}

export function usageEnvelope(event: OneOf<events.UsageEvent>, at: api.Timestamp | Date, cause: Causation = {}): EventEnvelope {
  const [member, payload] = soleMember(event);
  const subject = (payload as { jobId: string }).jobId;
  return envelope(member, subject, events.UsageEvent.toJSON(event as events.UsageEvent), at, { correlationId: subject, ...cause });
}

function envelope(member: string, subject: string, data: unknown, at: api.Timestamp | Date, cause: Causation): EventEnvelope {
  return {
    id: randomUUID(),
    type: TYPE_PREFIX + member.charAt(0).toUpperCase() + member.slice(1),
    source: SOURCE,
    subject,
    time: rfc3339(at),
    ...(cause.causationId === undefined ? {} : { causationId: cause.causationId }),
    ...(cause.correlationId === undefined ? {} : { correlationId: cause.correlationId }),
    ...(cause.traceparent === undefined ? {} : { traceparent: cause.traceparent }),
    data: data as JsonValue,
  };
}

function soleMember(event: object): [string, unknown] {
  const entries = Object.entries(event).filter(([, value]) => value !== undefined);
  if (entries.length !== 1) throw new Error(`an envelope carries exactly one event, got ${entries.map(([k]) => k).join(', ') || 'none'}`);
  return entries[0] as [string, unknown];
}

function rfc3339(at: api.Timestamp | Date): string {
  if (at instanceof Date) return at.toISOString();
  return new Date(Number(at.seconds) * 1000 + Math.floor(at.nanos / 1_000_000)).toISOString();
}
