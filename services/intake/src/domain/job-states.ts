// The states in which a job has ended: no event changes it any more, except its settlement.
import { api } from '@switchyard/contracts/messages';

export const TERMINAL_STATES: ReadonlySet<api.JobState> = new Set<api.JobState>([
  api.JobState.JOB_STATE_COMPLETED,
  api.JobState.JOB_STATE_FAILED,
  api.JobState.JOB_STATE_CANCELLED,
  api.JobState.JOB_STATE_EXPIRED,
]);

export const isTerminal = (state: api.JobState): boolean => TERMINAL_STATES.has(state);
