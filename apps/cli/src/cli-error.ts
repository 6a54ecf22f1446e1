import { ExitCode } from './exit-codes.js';

/**
 * An error the user can act on: printed as one line (`switchyard: <message>`) with its exit code,
 * never as a stack trace. Anything else that escapes a command is FAILURE.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.USAGE);
export const notFound = (message: string) => new CliError(message, ExitCode.NOT_FOUND);
export const unavailable = (message: string) => new CliError(message, ExitCode.UNAVAILABLE);
