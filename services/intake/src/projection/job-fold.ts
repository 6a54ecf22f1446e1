// A run of events folded over the jobs it touches, in memory and in log order, then written at
// once: one update of the jobs, one insert of their history, one round of notifications.
import type { api } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';
import type { AppliedEvent, HistoryRow, JobStore, StoredJob } from '../persistence/job-store.js';

export class JobFold {
  private readonly folded = new Map<string, { job: api.Job; lastSeq: number; updatedAt: Date }>();
  private readonly history: HistoryRow[] = [];

  /** `stored`: the run's jobs as read (and locked) before it, by id. */
  constructor(private readonly stored: ReadonlyMap<string, StoredJob>) {}

  /** The job as the run has left it so far; undefined when it is not stored. */
  job(jobId: string): api.Job | undefined {
    return this.folded.get(jobId)?.job ?? this.stored.get(jobId)?.job;
  }

  /** Job `jobId` is `job` after `event`: the event is its next history entry. */
  record(jobId: string, job: api.Job, event: AppliedEvent): void {
    const seq = (this.folded.get(jobId)?.lastSeq ?? this.stored.get(jobId)!.lastSeq) + 1;
    this.history.push({ ...event, jobId, seq, job });
    this.folded.set(jobId, { job, lastSeq: seq, updatedAt: event.occurredAt });
  }

  write(manager: EntityManager, store: JobStore): Promise<void> {
    return store.applyMany(manager, [...this.folded.values()], this.history);
  }
}
