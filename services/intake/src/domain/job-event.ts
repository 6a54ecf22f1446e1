// The jobs topic's events as a union keyed by type, so folds can switch exhaustively.
import type { events } from '@switchyard/contracts/messages';

export type JobEventType = keyof JobEventPayloads;

interface JobEventPayloads {
  JobSubmitted: events.JobSubmitted;
  JobClassified: events.JobClassified;
  JobQueued: events.JobQueued;
  JobPlaced: events.JobPlaced;
  JobRequeued: events.JobRequeued;
  JobStarted: events.JobStarted;
  JobCompleted: events.JobCompleted;
  JobFailed: events.JobFailed;
  JobCancelRequested: events.JobCancelRequested;
  JobCancelled: events.JobCancelled;
  JobExpired: events.JobExpired;
  JobExclusionRelaxed: events.JobExclusionRelaxed;
}

export type JobEvent = { [T in JobEventType]: { readonly type: T; readonly payload: JobEventPayloads[T] } }[JobEventType];

const MEMBERS: Record<keyof events.JobEvent, JobEventType> = {
  jobSubmitted: 'JobSubmitted',
  jobClassified: 'JobClassified',
  jobQueued: 'JobQueued',
  jobPlaced: 'JobPlaced',
  jobRequeued: 'JobRequeued',
  jobStarted: 'JobStarted',
  jobCompleted: 'JobCompleted',
  jobFailed: 'JobFailed',
  jobCancelRequested: 'JobCancelRequested',
  jobCancelled: 'JobCancelled',
  jobExpired: 'JobExpired',
  jobExclusionRelaxed: 'JobExclusionRelaxed',
};

/** The one event set in a JobEvent envelope; undefined when none is. */
export function jobEventOf(envelope: events.JobEvent): JobEvent | undefined {
  for (const [member, type] of Object.entries(MEMBERS) as [keyof events.JobEvent, JobEventType][]) {
    const payload = envelope[member];
    if (payload != null) return { type, payload } as JobEvent;
  }
  return undefined;
}

/** The JobEvent envelope carrying `event` (the topic's payload message). */
export function jobEnvelopeOf(event: JobEvent): events.JobEvent {
  const member = (Object.keys(MEMBERS) as (keyof events.JobEvent)[]).find((key) => MEMBERS[key] === event.type)!;
  return { [member]: event.payload } as events.JobEvent;
}
