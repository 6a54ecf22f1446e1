// `tail <topic>`: decoded events as they are appended. No consumer group: it polls the topic's
// end offsets and replay-reads the partitions that grew, each from the last offset it showed.
import { notFound } from '../cli-error.js';
import type { LogSession } from '../command-context.js';
import { decodeEvent, type DecodedEvent } from '../log/decoded-event.js';
import { partitionCount } from '../log/job-history.js';
import { keyFields } from '../timeline/key-fields.js';

export interface TailOptions {
  type?: string[];
  key?: string[];
  fromBeginning?: boolean;
  limit?: string;
  interval: string;
  timeout?: string;
}

export async function followTopic(
  { log, topics, output }: LogSession,
  topicArgument: string,
  options: TailOptions,
  bounds: { limit: number | undefined; timeoutSeconds: number | undefined; interval: number },
): Promise<void> {
  const topic = topics.resolve(topicArgument);
  if ((await partitionCount(log, topic.physical)) === undefined) {
    throw notFound(`topic ${topic.physical} does not exist (is --topic-prefix "${topics.prefix}" right?)`);
  }
  const types = new Set(options.type ?? []);
  const keys = new Set(options.key ?? []);
  const wanted = (e: DecodedEvent) =>
    (types.size === 0 || types.has(e.name) || types.has(e.logged.envelope.type)) && (keys.size === 0 || keys.has(e.logged.key));

  const next = new Map<number, bigint>();
  for (const { partition, earliest, end } of await log.admin.endOffsets(topic.physical))
    next.set(partition, BigInt(options.fromBeginning ? earliest : end));
  output.note(`tailing ${topic.physical}${options.fromBeginning ? ' from the beginning' : ' from the end'} (Ctrl-C to stop)`);

  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const deadline = bounds.timeoutSeconds === undefined ? Infinity : Date.now() + bounds.timeoutSeconds * 1000;
  let shown = 0;
  const limitReached = () => bounds.limit !== undefined && shown >= bounds.limit;
  try {
    while (!stopped && Date.now() < deadline) {
      // One read over every partition that grew, each from where it was last shown to its end now.
      const grown = (await log.admin.endOffsets(topic.physical)).filter(({ partition, end }) => BigInt(end) > (next.get(partition) ?? 0n));
      if (grown.length > 0) {
        const bound = (offset: (p: (typeof grown)[number]) => string) => ({
          offsets: Object.fromEntries(grown.map((p) => [p.partition, offset(p)])),
        });
        const range = {
          topic: topic.physical,
          partitions: grown.map((p) => p.partition),
          from: bound((p) => (next.get(p.partition) ?? 0n).toString()),
          to: bound((p) => p.end),
        };
        for await (const logged of log.read(range)) {
          next.set(logged.partition, BigInt(logged.offset) + 1n);
          const event = decodeEvent(logged, topic.family);
          if (!wanted(event)) continue;
          print(event, output);
          shown += 1;
          if (limitReached()) return;
        }
        // A compacted partition may end in a hole: the read reached its end either way.
        for (const { partition, end } of grown) next.set(partition, BigInt(end));
      }
      await new Promise((resolve) => setTimeout(resolve, bounds.interval));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function print(event: DecodedEvent, output: LogSession['output']): void {
  const { envelope, topic, partition, offset, key } = event.logged;
  if (output.json) {
    output.document({
      topic,
      partition,
      offset,
      key,
      time: envelope.time,
      type: envelope.type,
      source: envelope.source,
      id: envelope.id,
      data: event.json,
    });
    return;
  }
  const c = output.colors;
  output.line(
    `${c.dim(envelope.time)} ${c.dim(`p${partition}@${offset}`)} ${c.bold(event.name)} ${c.cyan(key)} ${keyFields(event.name, event.json)}`,
  );
}
