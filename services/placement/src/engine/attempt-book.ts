// Live jobs' attempts as the scheduler assigned them, and the reports already applied to each:
// what a provider's report is checked against (was this attempt ever assigned to this provider;
// is this report a re-send). Finished jobs leave the book; their reports are checked against the
// tables (loadPastAttempts).
import type { AttemptBook } from './cycle.js';

export class Attempts implements AttemptBook {
  constructor(private readonly byJob: Map<string, Map<number, { providerId: string; reported: Set<string> }>> = new Map()) {}

  assigned(jobId: string, attempt: number): string | undefined {
    return this.byJob.get(jobId)?.get(attempt)?.providerId;
  }

  reported(jobId: string, attempt: number, kind: string): boolean {
    return this.byJob.get(jobId)?.get(attempt)?.reported.has(kind) ?? false;
  }

  assign(jobId: string, attempt: number, providerId: string): void {
    let byAttempt = this.byJob.get(jobId);
    if (byAttempt === undefined) this.byJob.set(jobId, (byAttempt = new Map()));
    byAttempt.set(attempt, { providerId, reported: new Set() });
  }

  report(jobId: string, attempt: number, kind: string): void {
    this.byJob.get(jobId)?.get(attempt)?.reported.add(kind);
  }

  forget(jobId: string): void {
    this.byJob.delete(jobId);
  }
}
