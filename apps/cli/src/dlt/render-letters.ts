import type { Output } from '../terminal.js';
import { positionName, type PositionedLetter } from './dead-letters.js';

const shortType = (type: string): string => type.split('.').pop() ?? type;
const oneLine = (text: string, max = 100): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** What --json prints for a letter: its position and every fact of it. */
export function letterDocument(letter: PositionedLetter): Record<string, unknown> {
  return {
    position: positionName(letter),
    dltTopic: letter.dltTopic,
    partition: letter.position.partition,
    offset: letter.position.offset,
    deadLetteredAt: letter.deadLetteredAt,
    consumerGroup: letter.consumerGroup,
    attempts: letter.attempts,
    error: letter.error,
    originalTopic: letter.originalTopic,
    originalPartition: letter.originalPartition,
    originalOffset: letter.originalOffset,
    event: letter.envelope,
  };
}

export function letterLine(letter: PositionedLetter, output: Output): string {
  const c = output.colors;
  return [
    c.bold(positionName(letter)),
    letter.deadLetteredAt,
    letter.consumerGroup,
    shortType(letter.envelope.type),
    letter.envelope.subject,
    `×${letter.attempts}`,
    c.red(oneLine(letter.error)),
  ].join('  ');
}

export function renderLetter(letter: PositionedLetter, output: Output): void {
  const c = output.colors;
  output.line(c.bold(`dead letter ${positionName(letter)}`));
  output.line(`  from:        ${letter.originalTopic}/${letter.originalPartition}@${letter.originalOffset}`);
  output.line(
    `  group:       ${letter.consumerGroup}, gave up after ${letter.attempts} attempt${letter.attempts === 1 ? '' : 's'} at ${letter.deadLetteredAt}`,
  );
  output.line(`  error:       ${letter.error}`);
  output.line(`  event:       ${letter.envelope.type} ${letter.envelope.id}`);
  output.line(`  subject:     ${letter.envelope.subject}  (source ${letter.envelope.source}, time ${letter.envelope.time})`);
  if (letter.envelope.correlationId) output.line(`  correlation: ${letter.envelope.correlationId}`);
  if (letter.envelope.traceparent) output.line(`  trace:       ${letter.envelope.traceparent}`);
  output.line('  payload:');
  for (const line of JSON.stringify(letter.envelope.data, null, 2).split('\n')) output.line(`    ${line}`);
}
