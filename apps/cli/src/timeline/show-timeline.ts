import { notFound } from '../cli-error.js';
import type { LogSession } from '../command-context.js';
import { readJobHistory } from '../log/job-history.js';
import { keyFields } from './key-fields.js';

export async function showTimeline({ log, topics, output }: LogSession, jobId: string): Promise<void> {
  const history = await readJobHistory(log, topics, jobId);
  if (history.missingTopics.includes(topics.names.jobs)) {
    throw notFound(`topic ${topics.names.jobs} does not exist (is --topic-prefix "${topics.prefix}" right?)`);
  }
  if (!history.events.some((e) => e.family === 'jobs')) throw notFound(`job ${jobId} not found in ${topics.names.jobs}`);
  for (const event of history.events) {
    const { envelope, topic, partition, offset } = event.logged;
    if (output.json) {
      output.document({
        time: envelope.time,
        topic,
        partition,
        offset,
        type: envelope.type,
        source: envelope.source,
        id: envelope.id,
        subject: envelope.subject,
        data: event.json,
      });
      continue;
    }
    const c = output.colors;
    output.line(
      `${c.dim(envelope.time)}  ${(event.family ?? topic).padEnd(9)} ${c.bold(event.name.padEnd(19))} ${c.cyan(envelope.source.padEnd(22))} ${keyFields(event.name, event.json)}`,
    );
  }
}
