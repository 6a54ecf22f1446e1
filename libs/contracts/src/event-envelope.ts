// The one way to build and read the log's CloudEvents envelopes from generated messages, for every
// service: ce_type is the fully qualified name of the one payload set, data is the topic's
// envelope message in protobuf canonical JSON with only that member (e.g. {"jobPlaced": {...}}),
// ce_subject (= the record key) is the topic's documented key. See docs/event-log.md.
//
// Event ids are deterministic by default: `idFrom` a seed made of the cause (ce_id of the event
// or command that caused this one), the producer, the event's type, subject, time and payload. A
// re-decision after a crash, fed the same input, writes the same ce_id (a producer whose decision
// may differ on a re-run names the event's identity with `seed`), so every consumer's
// inbox absorbs the copy; two distinct events always differ in at least one of these and get
// distinct ids (the inbox dedups on ce_id, so a shared id would silently drop one). An event with
// no cause (a gRPC command that carries no id) gets a random UUID unless the caller passes `id`.
//
// The envelope is @switchyard/event-log's EventEnvelope, imported as a type from its pure
// `./envelope` entry (no log adapter, no Kafka or pg client is reachable from here).
import { createHash, randomUUID } from 'node:crypto';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log/envelope';
import type { Timestamp } from './gen/google/protobuf/timestamp.js';
import { JobEvent } from './gen/switchyard/events/v1/job_events.js';
import { LedgerEvent } from './gen/switchyard/events/v1/ledger_events.js';
import { ProviderEvent } from './gen/switchyard/events/v1/provider_events.js';
import { UsageEvent } from './gen/switchyard/events/v1/usage_events.js';
import { expectedKey, keyOf, type TopicName } from './topics.js';

export const EVENT_TYPE_PREFIX = 'switchyard.events.v1.';

/** Exactly one member of a topic envelope, e.g. `{ jobPlaced: JobPlaced }`. */
export type OneEvent<E> = { [K in keyof E]-?: { [P in K]: NonNullable<E[P]> } }[keyof E];

/** What a reader needs of an envelope (any EventEnvelope is one). */
export type ReadableEnvelope = Pick<EventEnvelope, 'id' | 'type' | 'subject' | 'data'>;

interface EnvelopeCodec<E> {
  toJSON(message: E): unknown;
  fromJSON(object: unknown): E;
}

/** The four topic envelopes (families) and their messages. */
export interface EventFamilies {
  job: JobEvent;
  provider: ProviderEvent;
  usage: UsageEvent;
  ledger: LedgerEvent;
}
export type EventFamily = keyof EventFamilies;
export type FamilyEvent<F extends EventFamily> = OneEvent<EventFamilies[F]>;
/** A member name of a family, e.g. `jobPlaced`. */
export type FamilyMember<F extends EventFamily> = keyof EventFamilies[F] & string;

const CODECS: { readonly [F in EventFamily]: EnvelopeCodec<EventFamilies[F]> } = {
  job: JobEvent,
  provider: ProviderEvent,
  usage: UsageEvent,
  ledger: LedgerEvent,
};

/** The topic each family is the envelope of; its registry entry documents the record key. */
const TOPIC_OF: { readonly [F in EventFamily]: TopicName } = { job: 'jobs', provider: 'providers', usage: 'usage', ledger: 'ledger' };

export interface Causation {
  /** ce_causationid: ce_id of the event, or the id of the command, that caused this one. */
  readonly causationId?: string | undefined;
  /** ce_correlationid; defaults to the subject for job and usage events (one job's flow). */
  readonly correlationId?: string | undefined;
  readonly traceparent?: string | undefined;
}

export interface EnvelopeOptions {
  /** ce_source, e.g. `/switchyard/classifier`. */
  readonly source: string;
  /** When the fact happened: taken from the deciding input, never read from a clock in a decider. */
  readonly at: Timestamp | Date | string;
  readonly cause?: Causation | undefined;
  /** ce_id when the producer has its own (an id it also stores, a ledger id); otherwise derived. */
  readonly id?: string | undefined;
  /**
   * What tells this event apart from the cause's other events of the same type and subject, when
   * the decision may differ on a re-run (a policy reloaded in between) but must still be one event:
   * e.g. the classifier's one JobClassified per JobSubmitted. Default: the time and the payload.
   */
  readonly seed?: string | undefined;
  /** ce_subject and record key; default: the key the topic registry documents for the event type. */
  readonly subject?: string | undefined;
}

/** The envelope of one event of a family, with a deterministic id unless `options.id` is given. */
export function envelopeOf<F extends EventFamily>(family: F, event: FamilyEvent<F>, options: EnvelopeOptions): EventEnvelope {
  const [member, payload] = soleMember(event as object);
  const subject = options.subject ?? subjectOf(family, member, payload);
  const type = typeOfMember(member);
  const time = rfc3339(options.at);
  const data = CODECS[family].toJSON(event as EventFamilies[F]) as JsonValue;
  const cause = options.cause ?? {};
  const correlationId = cause.correlationId ?? (family === 'job' || family === 'usage' ? subject : undefined);
  return {
    id: options.id ?? derivedId(options.source, cause.causationId, type, subject, options.seed ?? `${time}\u0000${JSON.stringify(data)}`),
    type,
    source: options.source,
    subject,
    time,
    ...(cause.causationId ? { causationId: cause.causationId } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(cause.traceparent ? { traceparent: cause.traceparent } : {}),
    data,
  };
}

/**
 * The event an envelope carries (its topic message with only that member set), or undefined when ce_type is not a member of the family or the
 * payload does not carry exactly that member. Records carry the topic envelope's member since the
 * first producer (docs/event-log.md "Payload encoding"); old payload shapes are upgraded by the
 * log's UpcasterRegistry before they get here.
 */
export function readEvent<F extends EventFamily>(family: F, envelope: ReadableEnvelope): EventFamilies[F] | undefined {
  if (!envelope.type.startsWith(EVENT_TYPE_PREFIX)) return undefined;
  const name = envelope.type.slice(EVENT_TYPE_PREFIX.length);
  const member = name.charAt(0).toLowerCase() + name.slice(1);
  const data = envelope.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  if (keys.length !== 1 || keys[0] !== member) return undefined;
  const decoded = CODECS[family].fromJSON(data) as Record<string, unknown>;
  const value = decoded[member];
  if (value === undefined || value === null) return undefined;
  return { [member]: value } as EventFamilies[F];
}

/** The `member` message of an envelope; throws when the record carries anything else (a poison message). */
export function requireEvent<F extends EventFamily, M extends FamilyMember<F>>(
  family: F,
  envelope: ReadableEnvelope,
  member: M,
): NonNullable<EventFamilies[F][M]> {
  const event = readEvent(family, envelope) as Record<string, unknown> | undefined;
  const value = event?.[member];
  if (value === undefined) throw new Error(`${envelope.type} ${envelope.id}: the payload does not carry ${member}`);
  return value as NonNullable<EventFamilies[F][M]>;
}

/** A UUID-shaped id derived from a seed (name-based like UUID v5, over SHA-256). */
export function idFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

function derivedId(source: string, causationId: string | undefined, type: string, subject: string, seed: string): string {
  // No cause, no stable seed: a command without an id can be decided twice on purpose (two calls).
  if (!causationId) return randomUUID();
  // Fields joined by a separator no id, type or RFC 3339 time contains; the seed last.
  return idFrom([source, causationId, type, subject, seed].join('\u0000'));
}

/** The record key libs/contracts/src/topics.ts documents for this event type, from its payload. */
function subjectOf(family: EventFamily, member: string, payload: Record<string, unknown>): string {
  const spec = keyOf(TOPIC_OF[family], member.charAt(0).toUpperCase() + member.slice(1));
  const fields = [...spec.template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const missing = fields.filter((field) => typeof payload[field] !== 'string' || payload[field] === '');
  if (missing.length > 0) throw new Error(`cannot tell the record key ${spec.template} of ${member}: no ${missing.join(', ')}`);
  return expectedKey(spec, payload);
}

function soleMember(event: object): [string, Record<string, unknown>] {
  const entries = Object.entries(event).filter(([, value]) => value !== undefined);
  if (entries.length !== 1) throw new Error(`an envelope carries exactly one event, got ${entries.map(([k]) => k).join(', ') || 'none'}`);
  return entries[0] as [string, Record<string, unknown>];
}

/** `jobPlaced` -> `switchyard.events.v1.JobPlaced`. */
const typeOfMember = (member: string): string => `${EVENT_TYPE_PREFIX}${member.charAt(0).toUpperCase()}${member.slice(1)}`;

/** RFC 3339 in UTC with milliseconds (what protobuf JSON keeps through ts-proto). */
export function rfc3339(time: Timestamp | Date | string): string {
  if (typeof time === 'string') return new Date(time).toISOString();
  if (time instanceof Date) return time.toISOString();
  return new Date(Number(time.seconds) * 1000 + Math.floor(time.nanos / 1_000_000)).toISOString();
}

/** A Timestamp as a Date; undefined when absent. */
export function dateOf(timestamp: Timestamp | undefined | null): Date | undefined {
  if (timestamp == null) return undefined;
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000));
}

/**
 * The builder's older signature (`{ source, time, causationId, ... }`), kept for code that has not
 * moved to envelopeOf yet (the CLI's rebuild test). Same wire result.
 */
export interface EnvelopeMeta {
  readonly source: string;
  readonly time: Timestamp | Date | string;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly traceparent?: string;
  readonly id?: string;
}
const legacy =
  <F extends EventFamily>(family: F) =>
  (event: FamilyEvent<F>, meta: EnvelopeMeta, subject?: string): EventEnvelope =>
    envelopeOf(family, event, {
      source: meta.source,
      at: meta.time,
      id: meta.id ?? (meta.causationId ? undefined : randomUUID()),
      subject,
      cause: { causationId: meta.causationId, correlationId: meta.correlationId, traceparent: meta.traceparent },
    });
/** @deprecated use envelopeOf('job', ...) */
export const jobEventEnvelope = legacy('job');
/** @deprecated use envelopeOf('provider', ...) */
export const providerEventEnvelope = legacy('provider');
/** @deprecated use envelopeOf('usage', ...) */
export const usageEventEnvelope = legacy('usage');
/** @deprecated use envelopeOf('ledger', ...) */
export const ledgerEventEnvelope = legacy('ledger');

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
} satisfies Record<keyof JobEvent, true>).map(typeOfMember);
