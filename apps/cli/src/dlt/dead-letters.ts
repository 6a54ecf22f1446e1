// Finding dead letters: which `-dlt` topics to look at, which letters a command means, and one
// letter by its position (`switchyard.jobs-dlt/0@3`).
import { consumersOf, deadLetterTopic, TOPICS, type TopicName } from '@switchyard/contracts';
import { fromDeadLetterEnvelope, type DeadLetter } from '@switchyard/event-runtime/dead-letter';
import type { DeadLetterPosition } from '@switchyard/event-runtime/redrive';
import { notFound, usageError } from '../cli-error.js';
import type { LogSession } from '../command-context.js';

export interface LetterFilters {
  group?: string[];
  type?: string[];
  key?: string[];
  error?: string;
  position?: string[];
}

export interface PositionedLetter extends DeadLetter {
  readonly dltTopic: string;
  readonly position: DeadLetterPosition;
}

/** `jobs` -> `<prefix>jobs-dlt`; `switchyard.jobs` -> `switchyard.jobs-dlt`; a `-dlt` name as it is. */
export function dltTopicOf(session: Pick<LogSession, 'topics'>, argument: string): string {
  if (argument in TOPICS) return deadLetterTopic(session.topics.names[argument as TopicName]);
  return argument.endsWith('-dlt') ? argument : deadLetterTopic(argument);
}

/** The DLTs a command looks at: those named, or every one a service's consumer group writes to. */
export async function dltTopics(session: LogSession, names: readonly string[]): Promise<string[]> {
  const explicit = names.length > 0;
  const wanted = explicit
    ? names.map((name) => dltTopicOf(session, name))
    : (Object.keys(TOPICS) as TopicName[]).filter((t) => consumersOf(t).length > 0).map((t) => dltTopicOf(session, t));
  const existing: string[] = [];
  for (const topic of wanted) {
    const exists = await session.log.admin.describeTopic(topic).then(
      () => true,
      () => false,
    );
    if (exists) existing.push(topic);
    else if (explicit)
      throw notFound(
        `dead-letter topic ${topic} does not exist (a consumer group creates it when it first starts on ${topic.replace(/-dlt$/, '')}; is --topic-prefix "${session.topics.prefix}" right?)`,
      );
  }
  return existing;
}

const POSITION = /^(.+)\/(\d+)@(\d+)$/;

/** `switchyard.jobs-dlt/0@3` (or `jobs-dlt/0@3` under the prefix) -> topic, partition, offset. */
export function parsePosition(session: Pick<LogSession, 'topics'>, text: string): { dltTopic: string; position: DeadLetterPosition } {
  const match = POSITION.exec(text);
  if (!match)
    throw usageError(`a dead letter is named <dlt topic>/<partition>@<offset>, e.g. ${session.topics.prefix}jobs-dlt/0@3, not "${text}"`);
  const topic = match[1]!.replace(/-dlt$/, '');
  return { dltTopic: dltTopicOf(session, topic), position: { partition: Number(match[2]), offset: match[3]! } };
}

export const positionName = (letter: Pick<PositionedLetter, 'dltTopic' | 'position'>): string =>
  `${letter.dltTopic}/${letter.position.partition}@${letter.position.offset}`;

/** Whether a letter passes the filters (all given ones must hold). */
export function selects(
  session: Pick<LogSession, 'topics'>,
  filters: LetterFilters,
): (letter: DeadLetter, dltTopic: string, position: DeadLetterPosition) => boolean {
  const types = new Set(filters.type ?? []);
  const positions = new Set((filters.position ?? []).map((text) => positionName(parsePosition(session, text))));
  return (letter, dltTopic, position) =>
    (filters.group === undefined || filters.group.includes(letter.consumerGroup)) &&
    (types.size === 0 || types.has(letter.envelope.type) || types.has(letter.envelope.type.split('.').pop() ?? '')) &&
    (filters.key === undefined || filters.key.includes(letter.envelope.subject)) &&
    (filters.error === undefined || letter.error.includes(filters.error)) &&
    (positions.size === 0 || positions.has(positionName({ dltTopic, position })));
}

/** Every letter of `dltTopic` the filters select, in DLT order (per partition). */
export async function readLetters(session: LogSession, dltTopic: string, wanted: ReturnType<typeof selects>): Promise<PositionedLetter[]> {
  const letters: PositionedLetter[] = [];
  for await (const logged of session.log.read({ topic: dltTopic })) {
    const letter = fromDeadLetterEnvelope(logged.envelope);
    const position = { partition: logged.partition, offset: logged.offset };
    if (wanted(letter, dltTopic, position)) letters.push({ ...letter, dltTopic, position });
  }
  return letters;
}

/** The one letter at a position, or NOT_FOUND. */
export async function readLetter(session: LogSession, text: string): Promise<PositionedLetter> {
  const { dltTopic, position } = parsePosition(session, text);
  await dltTopics(session, [dltTopic]);
  const to = String(BigInt(position.offset) + 1n);
  for await (const logged of session.log.read({
    topic: dltTopic,
    partitions: [position.partition],
    from: { offset: position.offset },
    to: { offset: to },
  })) {
    if (logged.offset === position.offset) return { ...fromDeadLetterEnvelope(logged.envelope), dltTopic, position };
  }
  throw notFound(`no dead letter at ${dltTopic}/${position.partition}@${position.offset} (expired after the retention, or never written)`);
}
