import { redriveDeadLetters } from '@switchyard/event-runtime/redrive';
import type { LogSession } from '../command-context.js';
import { dltTopics, readLetter, readLetters, selects, type LetterFilters, type PositionedLetter } from './dead-letters.js';
import { letterDocument, letterLine, renderLetter } from './render-letters.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function listLetters(session: LogSession, names: readonly string[], filters: LetterFilters): Promise<void> {
  const { output } = session;
  const wanted = selects(session, filters);
  let total = 0;
  for (const dltTopic of await dltTopics(session, names)) {
    const letters = await readLetters(session, dltTopic, wanted);
    total += letters.length;
    for (const letter of letters) {
      if (output.json) output.document(letterDocument(letter));
      else output.line(letterLine(letter, output));
    }
  }
  output.note(total === 0 ? 'no dead letters' : `${plural(total, 'dead letter')}`);
}

export async function showLetter(session: LogSession, text: string): Promise<void> {
  const letter = await readLetter(session, text);
  if (session.output.json) session.output.document(letterDocument(letter));
  else renderLetter(letter, session.output);
}

export async function redriveLetters(
  session: LogSession,
  names: readonly string[],
  filters: LetterFilters,
  dryRun: boolean,
): Promise<void> {
  const { output, log } = session;
  const wanted = selects(session, filters);
  const selected: PositionedLetter[] = [];
  const appended = new Map<string, number>();
  for (const dltTopic of await dltTopics(session, names)) {
    const result = await redriveDeadLetters(log, { dltTopic, dryRun, filter: (letter, position) => wanted(letter, dltTopic, position) });
    selected.push(...result.selected.map((letter) => ({ ...letter, dltTopic })));
    for (const [topic, count] of result.appended) appended.set(topic, (appended.get(topic) ?? 0) + count);
  }
  const verb = dryRun ? 'would re-drive' : 're-drove';
  if (output.json) {
    for (const letter of selected) output.document({ ...letterDocument(letter), redriven: !dryRun });
  } else {
    for (const letter of selected) output.line(letterLine(letter, output));
  }
  const where = [...appended].map(([topic, count]) => `${count} to ${topic}`).join(', ');
  output.note(
    selected.length === 0
      ? 'no dead letters matched: nothing re-driven'
      : `${verb} ${plural(selected.length, 'dead letter')}: ${where}${dryRun ? ' (dry run: nothing appended)' : ''}`,
  );
}
