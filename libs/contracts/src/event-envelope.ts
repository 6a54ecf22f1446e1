// Building and reading the log's CloudEvents envelopes from generated messages, one way for every
// service: ce_type is the fully qualified name of the one payload set, data is the topic's
// envelope message in protobuf canonical JSON with only that member (e.g. {"jobPlaced": {...}}).
// The shape matches @switchyard/event-log's EventEnvelope; contracts does not depend on it.
import { randomUUID } from 'node:crypto';
import type { Timestamp } from './gen/google/protobuf/timestamp.js';
import { JobEvent } from './gen/switchyard/events/v1/job_events.js';
import { LedgerEvent } from './gen/switchyard/events/v1/ledger_events.js';
import { ProviderEvent } from './gen/switchyard/events/v1/provider_events.js';
import { UsageEvent } from './gen/switchyard/events/v1/usage_events.js';

export const EVENT_TYPE_PREFIX = 'switchyard.events.v1.';

/** Exactly one member of a topic envelope, e.g. `{ jobPlaced: JobPlaced }`. */
export type OneEvent<E> = { [K in keyof E]-?: { [P in K]: NonNullable<E[P]> } }[keyof E];

interface EnvelopeCodec<E> {
  toJSON(message: E): unknown;
  fromJSON(object: unknown): E;
}

export interface EnvelopeMeta {
  /** ce_source, e.g. `/switchyard/classifier`. */
  readonly source: string;
  /** When the fact happened: taken from the deciding input, never read from a clock in a decider. */
  readonly time: Timestamp | Date | string;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly traceparent?: string;
  /** ce_id; a random UUID unless the caller derives a deterministic one. */
  readonly id?: string;
}

/** JSON as protobuf canonical JSON produces it (the same shape as the event log's JsonValue). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface LogEnvelope {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly subject: string;
  readonly time: string;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly traceparent?: string;
  readonly data: JsonValue;
}

const SUBJECT_FIELDS = ['jobId', 'providerId', 'epochId', 'postingId', 'sourceId', 'tenantId'] as const;

function build<E extends object>(codec: EnvelopeCodec<E>, event: OneEvent<E>, meta: EnvelopeMeta, subject?: string): LogEnvelope {
  const entries = Object.entries(event as object);
  if (entries.length !== 1) throw new Error(`an envelope carries exactly one event, got ${entries.map(([k]) => k).join(', ') || 'none'}`);
  const [member, payload] = entries[0] as [string, Record<string, unknown>];
  const entity = subject ?? SUBJECT_FIELDS.map((f) => payload[f]).find((v): v is string => typeof v === 'string' && v !== '');
  if (!entity) throw new Error(`cannot tell the entity id of ${member}; pass the subject`);
  return {
    id: meta.id ?? randomUUID(),
    type: EVENT_TYPE_PREFIX + member.charAt(0).toUpperCase() + member.slice(1),
    source: meta.source,
    subject: entity,
    time: rfc3339(meta.time),
    ...(meta.causationId ? { causationId: meta.causationId } : {}),
    ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
    ...(meta.traceparent ? { traceparent: meta.traceparent } : {}),
    data: codec.toJSON(event as E) as JsonValue,
  };
}

export const jobEventEnvelope = (event: OneEvent<JobEvent>, meta: EnvelopeMeta, subject?: string): LogEnvelope => build(JobEvent, event, meta, subject);
export const providerEventEnvelope = (event: OneEvent<ProviderEvent>, meta: EnvelopeMeta, subject?: string): LogEnvelope =>
  build(ProviderEvent, event, meta, subject);
export const usageEventEnvelope = (event: OneEvent<UsageEvent>, meta: EnvelopeMeta, subject?: string): LogEnvelope => build(UsageEvent, event, meta, subject);
export const ledgerEventEnvelope = (event: OneEvent<LedgerEvent>, meta: EnvelopeMeta, subject?: string): LogEnvelope =>
  build(LedgerEvent, event, meta, subject);

/** RFC 3339 in UTC with milliseconds (what protobuf JSON keeps through ts-proto). */
export function rfc3339(time: Timestamp | Date | string): string {
  if (typeof time === 'string') return new Date(time).toISOString();
  if (time instanceof Date) return time.toISOString();
  return new Date(Number(time.seconds) * 1000 + Math.floor(time.nanos / 1_000_000)).toISOString();
}

/** `jobPlaced` -> `switchyard.events.v1.JobPlaced`. */
const ceTypeOfMember = (member: string): string => `${EVENT_TYPE_PREFIX}${member.charAt(0).toUpperCase()}${member.slice(1)}`;

/**
 * Every event type (ce_type) of the jobs topic, in the order JobEvent declares them. Listing the
 * members as a complete record makes a member added to the proto a compile error here until it
 * is listed, so consumers that take "every job event" cannot miss it.
 */
export const JOB_EVENT_TYPES: readonly string[] = Object.keys({
  jobSubmitted: true,
  jobClassified: true,
  jobQueued: true,
  jobPlaced: true,
  jobRequeued: true,
  jobStarted: true,
  jobCompleted: true,
  jobFailed: true,
  jobCancelRequested: true,
  jobCancelled: true,
  jobExpired: true,
  jobExclusionRelaxed: true,
} satisfies Record<keyof JobEvent, true>).map(ceTypeOfMember);
