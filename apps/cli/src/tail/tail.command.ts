import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../command-context.js';
import type { TailOptions } from './follow-topic.js';

export function registerTail(program: Command, context: CommandContext): void {
  program
    .command('tail')
    .description('decoded events of a topic as they arrive (from the end unless --from-beginning)')
    .argument('<topic>', 'jobs, providers, usage, ledger (under --topic-prefix) or a full topic name')
    .option('--type <type...>', 'only these event types, e.g. JobPlaced or switchyard.events.v1.JobPlaced')
    .option('--key <key...>', 'only these record keys (job id, provider id, ...)')
    .option('--from-beginning', 'start at the earliest retained event instead of the end')
    .option('--limit <n>', 'exit after printing n events')
    .option('--timeout <seconds>', 'exit after this many seconds')
    .option('--interval <ms>', 'how often to look for new events', '500')
    .addHelpText(
      'after',
      `
Joins no consumer group: each poll reads the new offsets of each partition with a replay read.
Stop with Ctrl-C.

Examples:
  $ switchyard tail jobs --type JobPlaced JobQueued
  $ switchyard tail providers --key prov-fra-1 --json
  $ switchyard tail usage --from-beginning --limit 20`,
    )
    .action((topicArgument: string, options: TailOptions, command: Command) => {
      const limit = optionalWhole('--limit', options.limit);
      const timeoutSeconds = optionalWhole('--timeout', options.timeout);
      const interval = optionalWhole('--interval', options.interval) ?? 500;
      return context.run(command, async (session) =>
        (await import('./follow-topic.js')).followTopic(session, topicArgument, options, { limit, timeoutSeconds, interval }),
      );
    });
}

function optionalWhole(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw usageError(`${flag} must be a whole number, not "${value}"`);
  return Number(value);
}
