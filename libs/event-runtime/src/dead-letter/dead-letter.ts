// The dead-letter record: an event that failed every attempt, with where it came from and why.
//
// The original topic, partition, offset, error and attempt count travel as headers (CloudEvents
// extension attributes `ce_dlttopic`, `ce_dltpartition`, `ce_dltoffset`, `ce_dlterror`,
// `ce_dltattempts`, `ce_dltgroup`), so kcat users and alerting can read them without decoding;
// the payload, switchyard.events.v1.EventDeadLettered (proto/switchyard/events/v1/dead_letter.proto,
// named by ce_dataschema), repeats them and holds the original envelope verbatim, for re-drive.
// Its key is the original subject, so one entity's dead letters stay in order on the DLT.
import { DEAD_LETTER_MESSAGE, DEAD_LETTER_RETENTION_MS, dataschemaOf, deadLetterTopic, events } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue, LoggedEvent } from '@switchyard/event-log';

export { DEAD_LETTER_RETENTION_MS, deadLetterTopic };

export const DEAD_LETTER_TYPE = DEAD_LETTER_MESSAGE;
/** ce_type of dead letters written before the payload had a .proto; the same payload. */
export const LEGACY_DEAD_LETTER_TYPE = 'switchyard.runtime.v1.EventDeadLettered';
export const DEAD_LETTER_DATASCHEMA = dataschemaOf(DEAD_LETTER_MESSAGE);

export const isDeadLetterType = (type: string): boolean => type === DEAD_LETTER_TYPE || type === LEGACY_DEAD_LETTER_TYPE;

export interface DeadLetter {
  readonly originalTopic: string;
  readonly originalPartition: number;
  readonly originalOffset: string;
  readonly consumerGroup: string;
  readonly error: string;
  readonly attempts: number;
  /** When the runtime gave up (its own clock: this is operational metadata, not a domain fact). */
  readonly deadLetteredAt: string;
  readonly envelope: EventEnvelope;
}

export function toDeadLetterEnvelope(event: LoggedEvent, consumerGroup: string, error: string, attempts: number, now: Date): EventEnvelope {
  const original = event.envelope;
  const letter: DeadLetter = {
    originalTopic: event.topic,
    originalPartition: event.partition,
    originalOffset: event.offset,
    consumerGroup,
    error,
    attempts,
    deadLetteredAt: now.toISOString(),
    envelope: original,
  };
  return {
    // Deterministic: dead-lettering the same record again after a crash yields the same ce_id.
    id: `${original.id}:dlt:${consumerGroup}:${event.topic}:${event.partition}:${event.offset}`,
    type: DEAD_LETTER_TYPE,
    dataschema: DEAD_LETTER_DATASCHEMA,
    source: `/switchyard/event-runtime/${consumerGroup}`,
    subject: original.subject,
    time: letter.deadLetteredAt,
    causationId: original.id,
    ...(original.correlationId === undefined ? {} : { correlationId: original.correlationId }),
    ...(original.traceparent === undefined ? {} : { traceparent: original.traceparent }),
    ...(original.tracestate === undefined ? {} : { tracestate: original.tracestate }),
    extensions: {
      dlttopic: event.topic,
      dltpartition: String(event.partition),
      dltoffset: event.offset,
      dlterror: error,
      dltattempts: String(attempts),
      dltgroup: consumerGroup,
    },
    data: letter as unknown as JsonValue,
  };
}

/** The dead letter an envelope of a `-dlt` topic carries (either ce_type); throws on anything else. */
export function fromDeadLetterEnvelope(envelope: EventEnvelope): DeadLetter {
  if (!isDeadLetterType(envelope.type)) throw new Error(`not a dead letter: ${envelope.type} (${envelope.id})`);
  let letter: events.EventDeadLettered;
  try {
    letter = events.EventDeadLettered.fromJSON(envelope.data);
  } catch (error) {
    throw new Error(`malformed dead letter ${envelope.id}: ${(error as Error).message}`, { cause: error });
  }
  // The original envelope is handed back verbatim (as logged), not as the proto normalises it.
  const original = (envelope.data as { envelope?: EventEnvelope } | null)?.envelope;
  if (!letter.originalTopic || !letter.envelope?.id || !original)
    throw new Error(`malformed dead letter ${envelope.id}: no original topic or event`);
  return {
    originalTopic: letter.originalTopic,
    originalPartition: letter.originalPartition,
    originalOffset: letter.originalOffset,
    consumerGroup: letter.consumerGroup,
    error: letter.error,
    attempts: letter.attempts,
    deadLetteredAt: (envelope.data as { deadLetteredAt?: string }).deadLetteredAt ?? envelope.time,
    envelope: original,
  };
}
