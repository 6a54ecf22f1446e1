import pc from 'picocolors';
import type { Writable } from 'node:stream';

export type Colors = ReturnType<typeof pc.createColors>;

/** Where a command writes: data to stdout, progress and diagnostics to stderr. */
export interface Terminal {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

export const processTerminal = (): Terminal => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/** A command's view of the terminal once the global options are known. */
export class Output {
  readonly colors: Colors;

  constructor(
    private readonly terminal: Terminal,
    readonly json: boolean,
    color: boolean,
  ) {
    this.colors = pc.createColors(color);
  }

  /** One line of data (a table row, a report line). */
  line(text = ''): void {
    this.terminal.stdout.write(`${text}\n`);
  }

  /** One JSON document per call, on one line, so `--json` output can be piped into jq line by line. */
  document(value: unknown): void {
    this.terminal.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Progress and diagnostics: stderr, so data on stdout stays clean for pipes. */
  note(text: string): void {
    this.terminal.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.terminal.stderr.write(`${this.colors.yellow('warning:')} ${text}\n`);
  }

  get stderr(): Terminal['stderr'] {
    return this.terminal.stderr;
  }
}
