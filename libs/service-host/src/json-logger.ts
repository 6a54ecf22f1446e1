import type { LoggerService } from '@nestjs/common';
import { processLogger } from '@switchyard/telemetry';
import type { Logger } from 'pino';

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * NestJS logger over pino (@switchyard/telemetry's process logger): one JSON object per line on
 * stdout, `{ level, time, context, msg }`, levels by LOG_LEVEL, credentials redacted, and the
 * active span's `trace_id`/`span_id` on lines written inside one. Nest's `log` is pino's
 * `info` and its `verbose` is `trace`.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly defaultContext?: string,
    private readonly pinoLogger: Logger = processLogger(),
  ) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: PinoLevel, message: unknown, params: unknown[]): void {
    if (!this.pinoLogger.isLevelEnabled(level)) return;
    // Nest passes the context as the last string argument; for `error` the one before it is the stack.
    const rest = params.filter((param) => param !== undefined && param !== null);
    const context = rest.length > 0 && typeof rest.at(-1) === 'string' ? (rest.pop() as string) : this.defaultContext;
    const fields: Record<string, unknown> = { context };
    let msg: string;
    if (message instanceof Error) {
      msg = message.message;
      fields.stack = message.stack;
    } else if (typeof message === 'string') {
      msg = message;
    } else {
      msg = '';
      fields.details = [message];
    }
    if (level === 'error' && typeof rest[0] === 'string') fields.stack = rest.shift();
    if (rest.length > 0) fields.details = [...((fields.details as unknown[]) ?? []), ...rest];
    this.pinoLogger[level](fields, msg);
  }
}
