// The events intake writes and reads, through contracts' one envelope builder and reader.
//
// Intake's own events (JobSubmitted, JobCancelRequested) have no causing event: they are decided
// from a gRPC call. Their ce_id is a uuidv7 intake generates and stores with the job in the same
// transaction as the outbox row (the projection recognises them by it when they come back from
// the log), so there is no re-decision to deduplicate: a retried SubmitJob with the same
// idempotency key returns the stored job and writes nothing, and two calls without a key are two
// jobs, which must get two ids. uuidv7 keeps them time-ordered for the history.
import { envelopeOf, EVENT_TYPE_PREFIX, events, readEvent, requireEvent, type FamilyEvent } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { jobEnvelopeOf, jobEventOf, type JobEvent } from './domain/job-event.js';
import type { UsageFact } from './domain/settlement.js';

export const INTAKE_SOURCE = '/switchyard/intake';
export const USAGE_METERED_TYPE = `${EVENT_TYPE_PREFIX}UsageMetered`;
export const POSTING_RECORDED_TYPE = `${EVENT_TYPE_PREFIX}PostingRecorded`;

/** The envelope for `event` intake decided at `at`; `eventId` (stored with the job) becomes ce_id. */
export function intakeJobEnvelope(eventId: string, event: JobEvent, at: Date): EventEnvelope {
  return envelopeOf('job', jobEnvelopeOf(event) as FamilyEvent<'job'>, { source: INTAKE_SOURCE, at, id: eventId });
}

/** The job event an envelope carries, or undefined when it is not one or is about another job than its record key. */
export function readJobEvent(envelope: EventEnvelope): JobEvent | undefined {
  const read = readEvent('job', envelope);
  const event = read === undefined ? undefined : jobEventOf(read);
  // A payload about another job than the record's key would corrupt that job's order.
  return event?.payload.jobId === envelope.subject ? event : undefined;
}

/**
 * The usage fact an envelope of the usage or ledger topic carries: a UsageMetered, or the
 * PostingRecorded of a usage record (kind USAGE; its source id is the usage id). Undefined for
 * any other posting (payouts, penalties, reversals). Throws on a payload that cannot be read: a
 * poison message is dead-lettered, never skipped.
 */
export function readUsageFact(envelope: EventEnvelope): UsageFact | undefined {
  if (envelope.type === USAGE_METERED_TYPE) {
    const metered = requireEvent('usage', envelope, 'usageMetered');
    if (metered.usageId === '' || metered.jobId === '') throw new Error(`UsageMetered ${envelope.id} has no usage id or job id`);
    const { usageId, jobId, attempt, tenantChargeBaseUnits: chargeBaseUnits, waived } = metered;
    return { kind: 'metered', usageId, jobId, attempt, chargeBaseUnits, waived };
  }
  if (envelope.type === POSTING_RECORDED_TYPE) {
    const posting = requireEvent('ledger', envelope, 'postingRecorded');
    if (posting.kind !== events.PostingKind.POSTING_KIND_USAGE) return undefined;
    if (posting.sourceId === '') throw new Error(`PostingRecorded ${envelope.id} has no source id`);
    return { kind: 'posted', usageId: posting.sourceId, postingId: posting.postingId };
  }
  return undefined;
}
