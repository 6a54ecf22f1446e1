// Log lines: levelled by LOG_LEVEL, JSON with trace ids inside a span, and no credential ever
// written, whether it sits in a field (at any depth) or inside the message text.
import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  contextOf,
  createLogger,
  inSpan,
  LoggerConfigurationError,
  logLevelFrom,
  redactText,
  SpanKind,
  startTracing,
  type LogLevel,
} from '../src/index.js';

startTracing('logger-spec', { env: {}, exporters: [new InMemorySpanExporter()] });

function capture(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

describe('logs', () => {
  it('writes JSON with a level name, an ISO time and the message; below LOG_LEVEL nothing', () => {
    const { logger, lines } = capture('warn');
    logger.info('not shown');
    logger.warn({ context: 'Relay' }, 'relay behind');
    expect(lines).toEqual([{ level: 'warn', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), context: 'Relay', msg: 'relay behind' }]);
  });

  it('carries the trace and span ids of the span it is written in', async () => {
    const { logger, lines } = capture('info');
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await inSpan('process JobSubmitted', { kind: SpanKind.CONSUMER, parent: contextOf({ traceparent }) }, async () =>
      logger.info('applied'),
    );
    expect(lines[0]).toMatchObject({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      trace_flags: '01',
    });
  });

  it('redacts authorization metadata and keys in fields at any depth, and in message text', () => {
    const { logger, lines } = capture('info');
    logger.info(
      {
        context: 'Auth',
        metadata: { authorization: 'Bearer sk-live-123' },
        request: { apiKey: 'k-9', nested: { password: 'p' } },
        details: [{ authorization: 'x' }],
      },
      'rejected authorization: Bearer sk-live-123 from postgres://switchyard:hunter2@db:5432/x',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ['sk-live-123', 'k-9', '"p"', 'hunter2', '"x"']) expect(line).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      metadata: { authorization: '[REDACTED]' },
      request: { apiKey: '[REDACTED]', nested: { password: '[REDACTED]' } },
    });
    expect(lines[0]!.msg).toBe('rejected authorization: Bearer [REDACTED] from postgres://switchyard:[REDACTED]@db:5432/x');
  });

  it('masks credentials in text the way they are usually written', () => {
    expect(redactText('x-api-key=abc123 and api_key: "def"')).toBe('x-api-key=[REDACTED] and api_key: "[REDACTED]"');
    expect(redactText('no secrets here: job-7 placed')).toBe('no secrets here: job-7 placed');
  });

  it('takes LOG_LEVEL by name and refuses an unknown one', () => {
    expect(logLevelFrom({})).toBe('info');
    expect(logLevelFrom({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(() => logLevelFrom({ LOG_LEVEL: 'verbose' })).toThrow(LoggerConfigurationError);
    expect(() => logLevelFrom({ LOG_LEVEL: 'verbose' })).toThrow(
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "verbose"',
    );
  });
});
