import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

export function registerTimeline(program: Command, context: CommandContext): void {
  program
    .command('timeline')
    .description('every event of one job across topics (jobs, usage, providers, ledger), in time order')
    .argument('<job>', 'job id')
    .addHelpText(
      'after',
      `
Each line: time, topic, event type, producing service (ce_source), key fields.
Reads with replay reads: joins no consumer group and writes nothing.

Examples:
  $ switchyard timeline job-7f3a
  $ switchyard timeline job-7f3a --json | jq -r .type
  $ switchyard --backend kafka --topic-prefix staging. timeline job-7f3a`,
    )
    .action((jobId: string, _options: unknown, command: Command) =>
      context.run(command, async (session) => (await import('./show-timeline.js')).showTimeline(session, jobId)),
    );
}
