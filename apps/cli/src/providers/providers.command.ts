import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';

export function registerProviders(program: Command, context: CommandContext): void {
  const providers = program.command('providers').description('compute providers as placement sees them');
  providers
    .command('list')
    .description('every registered provider: status, health, GPUs and free GPUs, price, latency, reputation, track record')
    .option('--status <status...>', 'only these statuses: active, suspect, lost')
    .addHelpText(
      'after',
      `
Rebuilt from the log (providers and jobs topics folded with placement's own registry fold), so it
shows what placement decides on, including providers it has lost. Replay reads only.

Examples:
  $ switchyard providers list
  $ switchyard providers list --status lost --json`,
    )
    .action((options: { status?: string[] }, command: Command) =>
      context.run(command, async (session) => (await import('./list-providers.js')).listProviders(session, options)),
    );
}
