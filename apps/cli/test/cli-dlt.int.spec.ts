// `switchyard dlt list|show|redrive` on both backends, against dead letters the event runtime's
// own builder wrote to a real -dlt topic: what a person and a script see, the exit codes, that a
// dry run appends nothing and that a re-drive puts the original event back unchanged.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deadLetterTopic, topicNames } from '@switchyard/contracts';
import type { EventEnvelope, EventLog, LoggedEvent } from '@switchyard/event-log';
import { toDeadLetterEnvelope } from '@switchyard/event-runtime';
import { runSwitchyard } from './cli-process.js';
import { seedLog, type BackendName, type SeededLog } from './seeded-log.js';

async function readAll(log: EventLog, topic: string): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for await (const event of log.read({ topic })) events.push(event);
  return events;
}

describe.each<BackendName>(['postgres', 'kafka'])('switchyard dlt on the %s log', (backend) => {
  let seeded: SeededLog;
  let jobsDlt: string;
  let originals: LoggedEvent[];

  beforeAll(async () => {
    seeded = await seedLog(backend, 5);
    const jobs = topicNames(seeded.prefix).jobs;
    jobsDlt = deadLetterTopic(jobs);
    await seeded.log.admin.createTopics([{ topic: jobsDlt, partitions: 1 }]);
    originals = (await readAll(seeded.log, jobs)).slice(0, 3);
    const letters: EventEnvelope[] = originals.map((event, i) =>
      toDeadLetterEnvelope(
        event,
        i === 2 ? 'switchyard.metering' : 'switchyard.placement',
        `cannot apply ${event.envelope.id}: no such tier`,
        5,
        new Date(`2026-12-01T10:0${i}:00Z`),
      ),
    );
    await seeded.log.append(jobsDlt, letters);
  }, 300_000);

  afterAll(async () => {
    await seeded?.log.admin.deleteTopics([jobsDlt]).catch(() => undefined);
    await seeded?.close();
  }, 120_000);

  it('lists every letter with its position, group, event type, key and error; --json gives each as a document', async () => {
    const text = await runSwitchyard(['dlt', 'list'], seeded.env);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain(`${jobsDlt}/0@0`);
    expect(lines[0]).toContain('switchyard.placement');
    expect(lines[0]).toContain(originals[0]!.envelope.type.split('.').pop()!);
    expect(lines[0]).toContain('cannot apply');
    expect(text.stderr).toBe('3 dead letters\n');
    expect(text.stdout.endsWith('\n')).toBe(true);

    const json = await runSwitchyard(['--json', 'dlt', 'list', 'jobs', '--group', 'switchyard.metering'], seeded.env);
    expect(json.code).toBe(0);
    const docs = json.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(docs).toEqual([
      expect.objectContaining({
        position: `${jobsDlt}/0@2`,
        consumerGroup: 'switchyard.metering',
        attempts: 5,
        originalTopic: originals[2]!.topic,
        originalOffset: originals[2]!.offset,
        event: originals[2]!.envelope,
      }),
    ]);
  }, 120_000);

  it('shows one letter in full, and says when there is none there', async () => {
    const shown = await runSwitchyard(['dlt', 'show', `${jobsDlt}/0@1`], seeded.env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`from:        ${originals[1]!.topic}/${originals[1]!.partition}@${originals[1]!.offset}`);
    expect(shown.stdout).toContain('gave up after 5 attempts');
    expect(shown.stdout).toContain(`event:       ${originals[1]!.envelope.type} ${originals[1]!.envelope.id}`);
    expect(shown.stdout).toContain('payload:');
    const missing = await runSwitchyard(['dlt', 'show', `${jobsDlt}/0@99`], seeded.env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^switchyard: no dead letter at .*\/0@99/);
    const malformed = await runSwitchyard(['dlt', 'show', 'jobs-dlt:0:1'], seeded.env);
    expect(malformed.code).toBe(2);
    const unknown = await runSwitchyard(['dlt', 'list', 'no-such-topic'], seeded.env);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('dead-letter topic no-such-topic-dlt does not exist');
  }, 120_000);

  it('re-drives only what it is asked to: a dry run appends nothing, then the letter goes back unchanged', async () => {
    const jobs = topicNames(seeded.prefix).jobs;
    const endsBefore = await seeded.log.admin.endOffsets(jobs);
    const refused = await runSwitchyard(['dlt', 'redrive'], seeded.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('or pass --all');

    const dry = await runSwitchyard(['dlt', 'redrive', '--group', 'switchyard.placement', '--dry-run'], seeded.env);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe(`would re-drive 2 dead letters: 2 to ${jobs} (dry run: nothing appended)\n`);
    expect(await seeded.log.admin.endOffsets(jobs)).toEqual(endsBefore);

    const countBefore = (await readAll(seeded.log, jobs)).length;
    const real = await runSwitchyard(['--json', 'dlt', 'redrive', '--position', `${jobsDlt}/0@2`], seeded.env);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout.trimEnd())).toMatchObject({ position: `${jobsDlt}/0@2`, redriven: true });
    const after = await readAll(seeded.log, jobs);
    expect(after).toHaveLength(countBefore + 1);
    const copies = after.filter((event) => event.envelope.id === originals[2]!.envelope.id);
    expect(copies).toHaveLength(2);
    expect(copies[1]!.envelope).toEqual(originals[2]!.envelope);
    expect(copies[1]!.key).toBe(originals[2]!.key);
  }, 120_000);
});
