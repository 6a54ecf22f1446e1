// Re-drive: puts dead-lettered events back on their original topic, envelopes unchanged. It is
// safe to run twice: the copies carry the original ce_id, which every consumer's inbox has
// recorded once it applied the event.
import type { EventEnvelope, EventLog, LogPosition } from '@switchyard/event-log';
import { fromDeadLetterEnvelope, type DeadLetter } from './dead-letter.js';

export interface RedriveOptions {
  readonly dltTopic: string;
  /** Inclusive; default: the earliest retained dead letter. */
  readonly from?: LogPosition;
  /** Exclusive; default: the end of the DLT when the re-drive starts. */
  readonly to?: LogPosition;
  /** Selects the letters to re-drive (e.g. one consumer group's, or one error); default: all. */
  readonly filter?: (letter: DeadLetter) => boolean;
}

export interface RedriveResult {
  /** Original topic -> number of envelopes appended to it. */
  readonly appended: ReadonlyMap<string, number>;
}

export async function redriveDeadLetters(eventLog: EventLog, options: RedriveOptions): Promise<RedriveResult> {
  const byTopic = new Map<string, EventEnvelope[]>();
  // read() joins no group and commits nothing: a re-drive leaves every consumer's position alone.
  for await (const logged of eventLog.read({ topic: options.dltTopic, from: options.from, to: options.to })) {
    const letter = fromDeadLetterEnvelope(logged.envelope);
    if (options.filter && !options.filter(letter)) continue;
    const list = byTopic.get(letter.originalTopic) ?? [];
    list.push(letter.envelope);
    byTopic.set(letter.originalTopic, list);
  }
  const appended = new Map<string, number>();
  for (const [topic, envelopes] of byTopic) {
    // One key's letters share a DLT partition, read in offset order, so their relative order holds.
    await eventLog.append(topic, envelopes);
    appended.set(topic, envelopes.length);
  }
  return { appended };
}
