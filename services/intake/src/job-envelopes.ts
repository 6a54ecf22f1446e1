// CloudEvents envelopes of the jobs topic, as intake writes and reads them. The payload is the
// protobuf canonical JSON of the topic's envelope message (`{"jobSubmitted": {...}}`, see
// docs/contracts.md); reading also accepts the bare event message named by ce_type.
import { events } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log';
import { jobEnvelopeOf, jobEventOf, type JobEvent, type JobEventType } from './domain/job-event.js';
import type { UsageFact } from './domain/settlement.js';

export const INTAKE_SOURCE = '/switchyard/intake';
export const JOB_EVENT_TYPE_PREFIX = 'switchyard.events.v1.';

export const jobEventTypeName = (type: JobEventType): string => JOB_EVENT_TYPE_PREFIX + type;

/** The envelope for `event` about job `jobId`, which happened at `at`; `eventId` becomes ce_id. */
export function jobEventEnvelope(eventId: string, jobId: string, event: JobEvent, at: Date): EventEnvelope {
  return {
    id: eventId,
    type: jobEventTypeName(event.type),
    source: INTAKE_SOURCE,
    subject: jobId,
    time: at.toISOString(),
    correlationId: jobId,
    data: events.JobEvent.toJSON(jobEnvelopeOf(event)) as JsonValue,
  };
}

/** The event an envelope carries, or undefined when its type is not a job event or its payload is empty. */
export function readJobEvent(envelope: EventEnvelope): JobEvent | undefined {
  if (!envelope.type.startsWith(JOB_EVENT_TYPE_PREFIX)) return undefined;
  const type = envelope.type.slice(JOB_EVENT_TYPE_PREFIX.length);
  const member = type.charAt(0).toLowerCase() + type.slice(1);
  const data = envelope.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  // The envelope form names exactly its member; a bare message has none of the members' names.
  if (keys.some((key) => key !== member && ENVELOPE_MEMBERS.has(key))) return undefined;
  const wrapped = keys.includes(member) ? data : { [member]: data };
  const event = jobEventOf(events.JobEvent.fromJSON(wrapped));
  // A payload about another job than the record's key would corrupt that job's order.
  return event?.type === type && event.payload.jobId === envelope.subject ? event : undefined;
}

/** JSON names of JobEvent's oneof members (`jobSubmitted`, ...), as fromPartial lists its fields. */
const ENVELOPE_MEMBERS: ReadonlySet<string> = new Set(Object.keys(events.JobEvent.fromPartial({})));

export const USAGE_METERED_TYPE = `${JOB_EVENT_TYPE_PREFIX}UsageMetered`;
export const POSTING_RECORDED_TYPE = `${JOB_EVENT_TYPE_PREFIX}PostingRecorded`;

/**
 * The usage fact an envelope of the usage or ledger topic carries: a UsageMetered, or the
 * PostingRecorded of a usage record (kind USAGE; its source id is the usage id). Undefined for
 * any other posting (payouts, penalties, reversals). Throws on a payload that cannot be read: a
 * poison message is dead-lettered, never skipped.
 */
export function readUsageFact(envelope: EventEnvelope): UsageFact | undefined {
  if (envelope.type === USAGE_METERED_TYPE) {
    const metered = events.UsageMetered.fromJSON(memberOf(envelope, 'usageMetered'));
    if (metered.usageId === '' || metered.jobId === '') throw new Error(`UsageMetered ${envelope.id} has no usage id or job id`);
    const { usageId, jobId, attempt, tenantChargeBaseUnits: chargeBaseUnits, waived } = metered;
    return { kind: 'metered', usageId, jobId, attempt, chargeBaseUnits, waived };
  }
  if (envelope.type === POSTING_RECORDED_TYPE) {
    const posting = events.PostingRecorded.fromJSON(memberOf(envelope, 'postingRecorded'));
    if (posting.kind !== events.PostingKind.POSTING_KIND_USAGE) return undefined;
    if (posting.sourceId === '') throw new Error(`PostingRecorded ${envelope.id} has no source id`);
    return { kind: 'posted', usageId: posting.sourceId, postingId: posting.postingId };
  }
  return undefined;
}

/** The envelope form's member (`{"usageMetered": {...}}`), or the bare message. */
function memberOf(envelope: EventEnvelope, member: string): JsonValue {
  const data = envelope.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${envelope.type} ${envelope.id}: the payload is not a JSON object`);
  const wrapped = (data as Record<string, JsonValue>)[member];
  return wrapped !== undefined && wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped) ? wrapped : data;
}
