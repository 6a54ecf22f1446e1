// The dead-letter record: an event that failed every attempt, with where it came from and why.
//
// The original topic, partition, offset, error and attempt count travel as headers (CloudEvents
// extension attributes `ce_dlttopic`, `ce_dltpartition`, `ce_dltoffset`, `ce_dlterror`,
// `ce_dltattempts`, `ce_dltgroup`), so kcat users and alerting can read them without decoding;
// the payload of the `EventDeadLettered` envelope repeats them and holds the original envelope
// verbatim, for re-drive. Its key is the original subject, so one entity's dead letters stay
// in order on the DLT.
import type { EventEnvelope, JsonValue, LoggedEvent } from '@switchyard/event-log';

export const DEAD_LETTER_TYPE = 'switchyard.runtime.v1.EventDeadLettered';

export function deadLetterTopic(topic: string): string {
  return `${topic}-dlt`;
}

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

export function fromDeadLetterEnvelope(envelope: EventEnvelope): DeadLetter {
  if (envelope.type !== DEAD_LETTER_TYPE) throw new Error(`not a dead letter: ${envelope.type} (${envelope.id})`);
  const data = envelope.data as unknown as DeadLetter;
  if (typeof data?.originalTopic !== 'string' || typeof data.envelope?.id !== 'string') {
    throw new Error(`malformed dead letter ${envelope.id}`);
  }
  return data;
}
