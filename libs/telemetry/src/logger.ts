// Logs: one JSON object per line on stdout through pino, `{ level, time, context, msg, … }`, at
// the level LOG_LEVEL names (trace, debug, info, warn, error, fatal or silent; default info).
// A line written inside a span carries its trace_id, span_id and trace_flags. Credentials never
// reach a line: fields that hold them are replaced by "[REDACTED]" wherever they are nested,
// and text that looks like one (a bearer token, a password in a URL) is masked in messages.
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { activeTraceIds } from './trace-context.js';

export type LogLevel = Level | 'silent';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export const REDACTED = '[REDACTED]';

/** Field names whose values are secrets, at any of the depths below. */
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'apiKey',
  'api_key',
  'apiKeys',
  'password',
  'token',
  'providerToken',
  'provider_token',
  'secret',
];
const redactPaths = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `details[*].${field}`, `details[*].*.${field}`]);

export class LoggerConfigurationError extends Error {
  override readonly name = 'LoggerConfigurationError';
}

/** LOG_LEVEL, checked: a typo is an error at start-up, not silently `info`. */
export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const level = (env.LOG_LEVEL || 'info').toLowerCase();
  if (!LEVELS.includes(level as LogLevel))
    throw new LoggerConfigurationError(`LOG_LEVEL must be one of ${LEVELS.join(', ')}, not "${env.LOG_LEVEL}"`);
  return level as LogLevel;
}

/** Masks credentials inside free text: `Bearer <token>`, `authorization: <value>`, `scheme://user:password@`. */
export function redactText(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`)
    .replace(/\b(authorization|api[-_]?key|x-api-key)(["']?\s*[:=]\s*["']?)(?!Bearer |Basic )[^\s"',;}]+/gi, `$1$2${REDACTED}`)
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, `$1${REDACTED}@`);
}

/** A pino logger with Switchyard's format; `destination` for tests (default: stdout, written synchronously). */
export function createLogger(options: { level?: LogLevel; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths, censor: REDACTED },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>);
        },
      },
      mixin: () => {
        const ids = activeTraceIds();
        return ids ? { trace_id: ids.traceId, span_id: ids.spanId, trace_flags: ids.traceFlags } : {};
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

let root: Logger | undefined;

/** The process's logger (level from LOG_LEVEL), made on first use. */
export function processLogger(): Logger {
  root ??= createLogger({ level: logLevelFrom(process.env) });
  return root;
}
