// How a careful provider reports: the same report (same report id, same amounts) is sent again,
// with a growing pause, until placement answers it. Placement deduplicates by report id, so a
// report sent twice is counted once; a report dropped while placement restarts would leave the
// run's GPUs held forever.
import { status, type ServiceError } from '@grpc/grpc-js';

export interface ReportRetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up after this long (a run placement has long forgotten); default: never. */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_REPORT_RETRY: ReportRetryPolicy = { initialDelayMs: 250, maxDelayMs: 10_000, giveUpAfterMs: Number.POSITIVE_INFINITY };

/**
 * Codes that are an answer: the report was taken (OK), or refused for good (the run is not
 * placement's any more, the request is malformed, the credential is wrong). Anything else
 * (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNKNOWN, INTERNAL, ABORTED, a broken
 * connection) may not have reached placement's state: send the same report again.
 */
const ANSWERED = new Set<number>([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.UNIMPLEMENTED,
]);

export function isAnswer(error: Pick<ServiceError, 'code'> | null | undefined): boolean {
  return !error || ANSWERED.has(error.code);
}

export interface PendingReport {
  /** Settles with the final answer's error (null: acknowledged), or `'stopped'`/`'gave up'`. */
  readonly done: Promise<ServiceError | null | 'stopped' | 'gave up'>;
  cancel(): void;
}

/**
 * Sends `send` (one unary call of the same report) until it is answered. `onRetry` hears each
 * failed attempt (for the log).
 */
export function sendUntilAnswered(
  send: (callback: (error: ServiceError | null) => void) => void,
  policy: ReportRetryPolicy = DEFAULT_REPORT_RETRY,
  onRetry: (error: ServiceError, attempt: number, delayMs: number) => void = () => undefined,
): PendingReport {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let settle: (value: ServiceError | null | 'stopped' | 'gave up') => void = () => undefined;
  const done = new Promise<ServiceError | null | 'stopped' | 'gave up'>((resolve) => (settle = resolve));
  const attempt = (n: number): void => {
    if (cancelled) return;
    send((error) => {
      if (cancelled) return;
      if (isAnswer(error)) return settle(error);
      const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1));
      if (Date.now() + delay - started > policy.giveUpAfterMs) return settle('gave up');
      onRetry(error!, n, delay);
      timer = setTimeout(() => attempt(n + 1), delay);
    });
  };
  attempt(1);
  return {
    done,
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
      settle('stopped');
    },
  };
}
