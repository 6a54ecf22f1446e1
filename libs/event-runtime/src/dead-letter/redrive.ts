// Re-drive: puts dead-lettered events back on their original topic, envelopes unchanged. It is
// safe to run twice: the copies carry the original ce_id, which every consumer's inbox has
// recorded once it applied the event.
import type { EventEnvelope, EventLog, LogPosition } from '@switchyard/event-log';
import { fromDeadLetterEnvelope, type DeadLetter } from './dead-letter.js';

/** Where a dead letter sits on its `-dlt` topic. */
export interface DeadLetterPosition {
  readonly partition: number;
  readonly offset: string;
}

export interface RedriveOptions {
  readonly dltTopic: string;
  /** Inclusive; default: the earliest retained dead letter. */
  readonly from?: LogPosition;
  /** Exclusive; default: the end of the DLT when the re-drive starts. */
  readonly to?: LogPosition;
  /** Selects the letters to re-drive (e.g. one consumer group's, or one error); default: all. */
  readonly filter?: (letter: DeadLetter, position: DeadLetterPosition) => boolean;
  /** Reads and selects as usual, appends nothing: `selected` says what a real run would append. */
  readonly dryRun?: boolean;
}

export interface RedriveResult {
  /** Original topic -> number of envelopes appended to it (would be, on a dry run). */
  readonly appended: ReadonlyMap<string, number>;
  /** The letters re-driven (or that would be), in DLT order. */
  readonly selected: readonly (DeadLetter & { readonly position: DeadLetterPosition })[];
}

export async function redriveDeadLetters(eventLog: EventLog, options: RedriveOptions): Promise<RedriveResult> {
  const byTopic = new Map<string, EventEnvelope[]>();
  const selected: (DeadLetter & { position: DeadLetterPosition })[] = [];
  // read() joins no group and commits nothing: a re-drive leaves every consumer's position alone.
  for await (const logged of eventLog.read({ topic: options.dltTopic, from: options.from, to: options.to })) {
    const letter = fromDeadLetterEnvelope(logged.envelope);
    const position = { partition: logged.partition, offset: logged.offset };
    if (options.filter && !options.filter(letter, position)) continue;
    selected.push({ ...letter, position });
    const list = byTopic.get(letter.originalTopic) ?? [];
    list.push(letter.envelope);
    byTopic.set(letter.originalTopic, list);
  }
  const appended = new Map<string, number>();
  for (const [topic, envelopes] of byTopic) {
    // One key's letters share a DLT partition, read in offset order, so their relative order holds.
    if (!options.dryRun) await eventLog.append(topic, envelopes);
    appended.set(topic, envelopes.length);
  }
  return { appended, selected };
}
