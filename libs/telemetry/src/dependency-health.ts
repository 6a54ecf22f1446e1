// Whether the process's dependencies (PostgreSQL, the event log's broker) are reachable, as its
// long-running parts see them: consumers, relays and listeners report here, the gRPC host turns
// the sum into grpc.health.v1 (NOT_SERVING while any part is recovering or has failed) and exits
// the process when a part reports that it cannot resume, so a supervisor restarts it.
// Process-wide on purpose: a service's consumer may live in another Nest application than its
// gRPC server (intake's projection), and they share the same database and broker anyway.

/** `recovering`: waiting for a dependency, will resume by itself. `failed`: cannot resume. */
export type ComponentStatus = 'ok' | 'recovering' | 'failed';

export interface ComponentReport {
  readonly component: string;
  readonly status: ComponentStatus;
  /** Why, for the logs (the last error). */
  readonly reason?: string;
}

type Listener = (report: ComponentReport, overall: ComponentStatus) => void;

class DependencyHealth {
  private readonly components = new Map<string, ComponentReport>();
  private readonly listeners = new Set<Listener>();

  /** Records a component's status; listeners hear only changes. */
  report(component: string, status: ComponentStatus, reason?: string): void {
    const previous = this.components.get(component);
    if (previous?.status === status) return;
    const report: ComponentReport = { component, status, ...(reason === undefined ? {} : { reason }) };
    this.components.set(component, report);
    const overall = this.overall();
    for (const listener of [...this.listeners]) listener(report, overall);
  }

  /** A component that stopped on purpose (shutdown) no longer counts. */
  forget(component: string): void {
    if (!this.components.delete(component)) return;
    const overall = this.overall();
    for (const listener of [...this.listeners]) listener({ component, status: 'ok' }, overall);
  }

  /** The worst status of any component; `ok` when none reported. */
  overall(): ComponentStatus {
    let worst: ComponentStatus = 'ok';
    for (const { status } of this.components.values()) {
      if (status === 'failed') return 'failed';
      if (status === 'recovering') worst = 'recovering';
    }
    return worst;
  }

  /** Components not `ok`, for logs and tests. */
  unhealthy(): ComponentReport[] {
    return [...this.components.values()].filter((report) => report.status !== 'ok');
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const dependencyHealth = new DependencyHealth();

// PostgreSQL SQLSTATEs of a server that is away: class 08 (connection exception), 57P01
// admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections.
const PG_OUTAGE_CODES = /^(08...|57P0[1-3]|53300)$/;
const NODE_OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const OUTAGE_NAMES = new Set([
  // KafkaJS
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSNonRetriableError',
  // @platformatic/kafka
  'NetworkError',
  'TimeoutError',
]);
const OUTAGE_MESSAGES = [
  /connection terminated/i,
  /connection (?:is )?closed/i,
  /client has encountered a connection error/i,
  /terminating connection due to administrator command/i,
  /the database system is (?:starting up|shutting down|in recovery mode)/i,
  /timeout exceeded when trying to connect/i,
  /connect ECONNREFUSED/,
  /read ECONNRESET/,
  /Client was closed and is not queryable/i,
  /Cannot use a pool after calling end on the pool/i,
  /Connection lost/i,
];

/**
 * Whether an error means a dependency (PostgreSQL, the broker) is unreachable or going away, as
 * opposed to a bug or a refused request: the caller may retry the same thing later. Looks through
 * `cause` chains and TypeORM's QueryFailedError (`driverError`).
 */
export function isDependencyOutage(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const e = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
    driverError?: unknown;
    originalError?: unknown;
    retriable?: unknown;
  };
  if (typeof e.code === 'string' && (PG_OUTAGE_CODES.test(e.code) || NODE_OUTAGE_CODES.has(e.code))) return true;
  // KafkaJSNonRetriableError wraps the error that exhausted the retries; judge by that one.
  if (
    typeof e.name === 'string' &&
    OUTAGE_NAMES.has(e.name) &&
    (e.name !== 'KafkaJSNonRetriableError' || isDependencyOutage(e.originalError ?? e.cause, depth + 1))
  )
    return true;
  if (typeof e.message === 'string' && OUTAGE_MESSAGES.some((pattern) => pattern.test(e.message as string))) return true;
  if (
    Array.isArray((error as { errors?: unknown }).errors) &&
    (error as { errors: unknown[] }).errors.some((inner) => isDependencyOutage(inner, depth + 1))
  )
    return true;
  return [e.cause, e.driverError, e.originalError].some(
    (inner) => inner !== undefined && inner !== error && isDependencyOutage(inner, depth + 1),
  );
}
