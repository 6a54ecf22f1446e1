// What every command's action gets: parsed global options, the output, the topic names and an
// opened event log that is closed when the action ends, whatever happens.
import type { Command } from 'commander';
import type { EventLog } from '@switchyard/event-log';
import { resolveGlobalOptions, type GlobalOptions, type RawGlobalOptions } from './global-options.js';
import { TopicMap } from './log/topics.js';
import { Output, type Terminal } from './terminal.js';

export interface LogSession {
  readonly options: GlobalOptions;
  readonly output: Output;
  readonly topics: TopicMap;
  readonly log: EventLog;
  /** Where the log is, for messages. */
  readonly logDescription: string;
}

export class CommandContext {
  /** Set by an action that completed but wants a non-zero exit (e.g. verify found differences). */
  exitCode = 0;

  constructor(readonly terminal: Terminal) {}

  options(command: Command): GlobalOptions {
    return resolveGlobalOptions(command.optsWithGlobals<RawGlobalOptions>(), this.terminal.env, this.terminal.stdout.isTTY === true);
  }

  output(options: GlobalOptions): Output {
    return new Output(this.terminal, options.json, options.color);
  }

  /** Runs an action that needs no event log (the gRPC user commands). */
  async runWithoutLog(command: Command, action: (output: Output) => Promise<number | void>): Promise<void> {
    const code = await action(this.output(this.options(command)));
    if (typeof code === 'number') this.exitCode = code;
  }

  /** Runs an action against the event log. Errors propagate to main, which maps them to exit codes. */
  async run(command: Command, action: (session: LogSession) => Promise<number | void>): Promise<void> {
    const options = this.options(command);
    const output = this.output(options);
    // Loaded on use: KafkaJS and pg are not needed for --help or a usage error.
    const { openEventLog } = await import('./log/open-event-log.js');
    const { log, description } = await openEventLog(options);
    try {
      const code = await action({ options, output, topics: new TopicMap(options.topicPrefix), log, logDescription: description });
      if (typeof code === 'number') this.exitCode = code;
    } finally {
      await log.close().catch(() => undefined);
    }
  }
}
