// `switchyard dlt list|show|redrive`: the dead letters consumer groups gave up on (docs/cli.md).
// list and show only read; redrive appends the original events to their topics again.
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../command-context.js';
import type { LetterFilters } from './dead-letters.js';

function withFilters(command: Command): Command {
  return command
    .option('--group <group...>', 'only letters of these consumer groups, e.g. switchyard.placement')
    .option('--type <type...>', 'only these original event types, e.g. JobPlaced')
    .option('--key <key...>', 'only these record keys (job id, provider id, ...)')
    .option('--error <text>', 'only letters whose error contains this text');
}

export function registerDeadLetters(program: Command, context: CommandContext): void {
  const dlt = program
    .command('dlt')
    .description('dead letters: events a consumer group gave up on after its retries (list, show, redrive)')
    .addHelpText(
      'after',
      `
A dead letter is named by where it sits: <dlt topic>/<partition>@<offset>, as list prints it.
Topics are families (jobs, usage, ledger) under --topic-prefix, or full names; without one,
every dead-letter topic a service writes to.

Examples:
  $ switchyard dlt list
  $ switchyard dlt list jobs --group switchyard.placement --json
  $ switchyard dlt show switchyard.jobs-dlt/0@3
  $ switchyard dlt redrive jobs --type JobPlaced --dry-run
  $ switchyard dlt redrive --position switchyard.jobs-dlt/0@3`,
    );
  const actions = () => import('./dlt-actions.js');

  withFilters(dlt.command('list'))
    .description('list dead letters, oldest first per partition')
    .argument('[topic...]', 'jobs, usage, ledger or full topic names (default: all)')
    .action((topics: string[], options: LetterFilters, command: Command) =>
      context.run(command, async (session) => (await actions()).listLetters(session, topics, options)),
    );

  dlt
    .command('show')
    .description('one dead letter in full: origin, group, error, and the original event with its payload')
    .argument('<letter>', '<dlt topic>/<partition>@<offset>')
    .action((letter: string, _options: unknown, command: Command) =>
      context.run(command, async (session) => (await actions()).showLetter(session, letter)),
    );

  withFilters(dlt.command('redrive'))
    .description('append dead-lettered events to their original topics again, unchanged')
    .argument('[topic...]', 'jobs, usage, ledger or full topic names (default: all)')
    .option('--position <letter...>', 'only these letters, <dlt topic>/<partition>@<offset>')
    .option('--all', 'every letter of the topics (needed when no filter or --position is given)')
    .option('--dry-run', 'print what would be re-driven and append nothing')
    .addHelpText(
      'after',
      `
Consumers apply a re-driven event once: it keeps its ce_id, which every group that already applied
it has in its inbox. Every group on the original topic receives the copy, not only the one that
failed. Re-driving leaves the dead letters in place (the DLT keeps them).`,
    )
    .action((topics: string[], options: LetterFilters & { all?: boolean; dryRun?: boolean }, command: Command) => {
      const filtered = options.group || options.type || options.key || options.error !== undefined || options.position;
      if (!filtered && !options.all)
        throw usageError('say which letters to re-drive (--group, --type, --key, --error, --position) or pass --all');
      return context.run(command, async (session) => (await actions()).redriveLetters(session, topics, options, options.dryRun === true));
    });
}
