import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

export function registerExplain(program: Command, context: CommandContext): void {
  program
    .command('explain')
    .description('why a job got its tier (rule, reasons) and its provider (candidates, factors, scores, rejections, runner-up)')
    .argument('<job>', 'job id')
    .addHelpText(
      'after',
      `
Everything comes from the job's own events: JobClassified (rule, policy version, reasons) and,
per attempt, JobPlaced's decision record, JobQueued's rejection counts or JobRequeued.
Reads with replay reads: joins no consumer group and writes nothing.

Examples:
  $ switchyard explain job-7f3a
  $ switchyard explain job-7f3a --json | jq '.attempts[-1].runnerUp'`,
    )
    .action((jobId: string, _options: unknown, command: Command) =>
      context.run(command, async (session) => (await import('./show-explanation.js')).showExplanation(session, jobId)),
    );
}
