import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../command-context.js';
import { completionScript, SHELLS, type Shell } from './completion-script.js';

export function registerCompletion(program: Command, context: CommandContext): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish) for the switchyard command')
    .argument('<shell>', SHELLS.join(', '))
    .addHelpText(
      'after',
      `
Examples:
  $ source <(switchyard completion bash)         # in ~/.bashrc
  $ source <(switchyard completion zsh)          # in ~/.zshrc
  $ switchyard completion fish | source          # in ~/.config/fish/config.fish`,
    )
    .action((shell: string) => {
      if (!SHELLS.includes(shell as Shell)) throw usageError(`shell must be one of ${SHELLS.join(', ')}, not "${shell}"`);
      context.terminal.stdout.write(completionScript(program, shell as Shell));
    });
}
