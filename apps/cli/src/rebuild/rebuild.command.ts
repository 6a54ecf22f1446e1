import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { usageError } from '../cli-error.js';

export interface RebuildFlags {
  list?: boolean;
  schema?: string;
  serviceDatabaseUrl?: string;
  consumerGroup?: string;
  dropRetired?: boolean;
  skipFailed?: boolean;
}

export function registerRebuild(program: Command, context: CommandContext): void {
  program
    .command('rebuild')
    .description('rebuild a projection (a read model) from the log into fresh tables and swap them in atomically')
    .argument('[projection]', 'the projection to rebuild (see --list)')
    .option('--list', 'list the projections that can be rebuilt')
    .option('--schema <schema>', "the owning service's schema (default: the service's default, e.g. intake)")
    .option('--service-database-url <url>', "the owning service's database (default: --database-url, $DATABASE_URL)")
    .option('--consumer-group <group>', "the service's live consumer group for the projection (default: the service's default)")
    .option('--drop-retired', 'drop the replaced tables after the swap instead of keeping them in <schema>_retired_<projection>_<time>')
    .option('--skip-failed', 'swap even if some events fail to apply (they are listed), as the live consumer dead-letters them')
    .addHelpText(
      'after',
      `
The projection's tables are created fresh by the service's own migrations in a scratch schema
(<schema>_rebuild_<projection>), every event of its topics is folded into them the way the live
consumer applies it, and one transaction then folds what arrived meanwhile (and what the service
committed but has not published yet), carries the consumer group's inbox over and swaps the
tables in. Readers and writers see the old tables or the new ones, never a mix; the service keeps
running and waits for the swap's locks only (the report says how long). Reads the log without
joining any consumer group; writes nothing to the log.

Exit codes: 3 unknown projection or schema, 4 log or database unreachable or another rebuild of
it running, 2 bad usage or tables that cannot be swapped, 1 an event failed to apply (nothing swapped).

Examples:
  $ switchyard rebuild --list
  $ switchyard rebuild jobs
  $ switchyard rebuild jobs --schema intake --backend kafka --brokers 127.0.0.1:9092 --service-database-url postgres://localhost/switchyard
  $ switchyard rebuild epochs --drop-retired --json`,
    )
    .action(async (name: string | undefined, flags: RebuildFlags, command: Command) => {
      const { findProjection, listProjections, runRebuild } = await import('./run-rebuild.js');
      if (flags.list) return context.runWithoutLog(command, async (output) => listProjections(output));
      if (name === undefined) throw usageError('name the projection to rebuild (switchyard rebuild --list shows them)');
      // An unknown name is reported before connecting anywhere.
      const projection = await findProjection(name);
      return context.run(command, (session) => runRebuild(session, projection, flags));
    });
}
