import type { LoggerService, LogLevel } from '@nestjs/common';
import { activeTraceIds } from '@switchyard/telemetry';

/**
 * NestJS logger writing one JSON object per line to stdout: `{ level, time, context, msg }`.
 * Lines written inside a span carry its `trace_id` and `span_id`.
 */
export class JsonLogger implements LoggerService {
  constructor(private readonly defaultContext?: string) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
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
    this.write('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    // Nest passes the context as the last string argument; for `error` the one before it is the stack.
    const rest = params.filter((param) => param !== undefined && param !== null);
    const context = rest.length > 0 && typeof rest.at(-1) === 'string' ? (rest.pop() as string) : this.defaultContext;
    const line: Record<string, unknown> = { level, time: new Date().toISOString(), context, ...toMessage(message) };
    if (level === 'error' && typeof rest[0] === 'string') line.stack = rest.shift();
    if (rest.length > 0) line.details = rest;
    const trace = activeTraceIds();
    if (trace) Object.assign(line, { trace_id: trace.traceId, span_id: trace.spanId });
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

function toMessage(message: unknown): Record<string, unknown> {
  if (message instanceof Error) return { msg: message.message, stack: message.stack };
  if (typeof message === 'string') return { msg: message };
  return { msg: JSON.stringify(message) };
}
