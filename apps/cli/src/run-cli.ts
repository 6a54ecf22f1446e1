import { CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { CommandContext } from './command-context.js';
import { ExitCode } from './exit-codes.js';
import { isConnectionFailure } from './log/connection-failure.js';
import { buildProgram } from './program.js';
import type { Terminal } from './terminal.js';

/** Runs the CLI on `argv` (node, script, args...) and returns the exit code. */
export async function runCli(argv: readonly string[], terminal: Terminal): Promise<number> {
  const context = new CommandContext(terminal);
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv]);
    return context.exitCode;
  } catch (error) {
    return exitCodeOf(error, terminal);
  }
}

function exitCodeOf(error: unknown, terminal: Terminal): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help / version).
    return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  }
  if (terminal.env.SWITCHYARD_DEBUG === '1' && error instanceof Error) terminal.stderr.write(`${error.stack}\n`);
  if (error instanceof CliError) {
    terminal.stderr.write(`switchyard: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isConnectionFailure(error)) {
    terminal.stderr.write(`switchyard: event log unavailable: ${firstLine(message)}\n`);
    return ExitCode.UNAVAILABLE;
  }
  terminal.stderr.write(`switchyard: ${firstLine(message)}\n`);
  return ExitCode.FAILURE;
}

const firstLine = (text: string) => text.split('\n')[0] ?? text;
