// What the scheduler takes in. Each input is applied in one cycle, in arrival order; a command
// input is answered (resolve/reject) only after the cycle that applied it committed.
import type { api } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import type { HeartbeatInput, RegistrationInput, ReportKind } from '../domain/index.js';

export interface Pending<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A batch the jobs-topic consumer delivered; its offsets commit after the cycle does. */
export interface ConsumedBatch extends Pending<void> {
  readonly kind: 'events';
  readonly events: readonly LoggedEvent[];
}

export interface RegistrationCommand extends Pending<{ providerId: string; providerToken: string }> {
  readonly kind: 'register';
  readonly input: Omit<RegistrationInput, 'newProviderId'>;
  /** SHA-256 of the new provider token, stored instead of the token. */
  readonly tokenHash: string;
  readonly providerToken: string;
  readonly traceparent?: string;
}

export interface HeartbeatCommand extends Pending<'recorded' | 'stale'> {
  readonly kind: 'heartbeat';
  readonly input: HeartbeatInput;
  /** The runs the provider holds, when it reported them (reconciliation). */
  readonly runs: readonly api.HeldRun[] | undefined;
  readonly traceparent?: string;
}

export interface ReportCommand extends Pending<'applied' | 'duplicate'> {
  readonly kind: 'report';
  readonly report: {
    readonly kind: ReportKind;
    readonly jobId: string;
    readonly attempt: number;
    readonly providerId: string;
    readonly receivedAtMs: number;
    readonly resultHash?: string;
    readonly failure?: { readonly category: api.FailureCategory; readonly retryable: boolean; readonly message: string };
    readonly usage?: api.UsageReport;
    readonly fetchedDigests?: readonly string[];
    readonly cachedDigests?: readonly string[];
  };
  readonly traceparent?: string;
}

/** The timer: liveness, deadlines and the periodic queue retry, at the time it fired. */
export interface Tick {
  readonly kind: 'tick';
  readonly atMs: number;
  readonly retryQueue: boolean;
}

export type SchedulerInput = ConsumedBatch | RegistrationCommand | HeartbeatCommand | ReportCommand | Tick;
