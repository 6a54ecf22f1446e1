// Payloads in and out of the log. The convention (docs/event-log.md) is the protobuf JSON of the
// topic envelope with the one member ce_type names ({"usageMetered": {...}}); reading also
// accepts the bare message, which producers wrote before the convention was settled.
import { events, type api } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log';

export const EVENT_TYPE_PREFIX = 'switchyard.events.v1.';
export const USAGE_METERED_TYPE = `${EVENT_TYPE_PREFIX}UsageMetered`;
const SOURCE = '/switchyard/metering';

/** The message's JSON, unwrapped from its topic envelope when a producer wrapped it. */
export function messageJson(envelope: EventEnvelope): unknown {
  const member = envelope.type.slice(EVENT_TYPE_PREFIX.length);
  const field = member.charAt(0).toLowerCase() + member.slice(1);
  const data = envelope.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const keys = Object.keys(data);
    if (keys.length === 1 && keys[0] === field) return (data as Record<string, JsonValue>)[field];
  }
  return data;
}

/**
 * UsageMetered for the usage topic, key = job id. The event id is derived from the usage id, so
 * re-metering the same report (a rebuilt projection replaying the log) yields an event the
 * consumers' inboxes already know.
 */
export function usageMeteredEnvelope(metered: events.UsageMetered, cause: { eventId: string; traceparent?: string | undefined }): EventEnvelope {
  return {
    id: `metered:${metered.usageId}`,
    type: USAGE_METERED_TYPE,
    source: SOURCE,
    subject: metered.jobId,
    time: rfc3339(metered.meteredAt),
    causationId: cause.eventId,
    correlationId: metered.jobId,
    ...(cause.traceparent === undefined ? {} : { traceparent: cause.traceparent }),
    data: events.UsageEvent.toJSON({ usageMetered: metered }) as JsonValue,
  };
}

export function timestampToDate(timestamp: api.Timestamp | undefined | null): Date | null {
  if (timestamp == null) return null;
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000));
}

function rfc3339(timestamp: api.Timestamp | undefined): string {
  return (timestampToDate(timestamp) ?? new Date(0)).toISOString();
}
