// How far a job's billing got, from what the usage and ledger topics said about it. Pure: the
// tally is an input (the projection keeps it per job, one row per usage record).
import { api } from '@switchyard/contracts/messages';
import type { Evolution } from './job-lifecycle.js';
import { isTerminal } from './job-states.js';

/** What is known about a job's usage records: how many are priced, and how many of those posted. */
export interface UsageTally {
  /** UsageMetered seen for the job. */
  readonly metered: number;
  /** Of those, the ones whose PostingRecorded (kind USAGE, source id = usage id) was seen too. */
  readonly posted: number;
}

export const NO_USAGE: UsageTally = { metered: 0, posted: 0 };

/**
 * The settlement state of `job` given its usage tally. A job that has not ended shows nothing
 * (its runs may still report usage); one that ended is SETTLED when every priced usage record
 * is posted, METERED while some is not, and PENDING while none is priced yet but some is due:
 * it completed, or it failed after it ran (a failure report carries the usage of the run).
 * A job cancelled or expired without usage, or failed before it ever ran, has nothing to bill.
 */
export function settlementStateOf(job: api.Job, tally: UsageTally): api.SettlementState {
  if (!isTerminal(job.state)) return api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED;
  if (tally.metered > 0)
    return tally.posted >= tally.metered ? api.SettlementState.SETTLEMENT_STATE_SETTLED : api.SettlementState.SETTLEMENT_STATE_METERED;
  const due =
    job.state === api.JobState.JOB_STATE_COMPLETED || (job.state === api.JobState.JOB_STATE_FAILED && job.startedAt !== undefined);
  return due ? api.SettlementState.SETTLEMENT_STATE_PENDING : api.SettlementState.SETTLEMENT_STATE_UNSPECIFIED;
}

/** The job with its settlement state brought up to date with `tally`. */
export function settle(job: api.Job, tally: UsageTally): api.Job {
  const settlementState = settlementStateOf(job, tally);
  return settlementState === job.settlementState ? job : { ...job, settlementState };
}

/** Whether a WatchJob stream has seen all there is to see: the job ended and its billing is done. */
export function atRest(job: api.Job): boolean {
  return (
    isTerminal(job.state) &&
    job.settlementState !== api.SettlementState.SETTLEMENT_STATE_PENDING &&
    job.settlementState !== api.SettlementState.SETTLEMENT_STATE_METERED
  );
}

/** One fact about a usage record of a job, from the usage topic or the ledger. */
export type UsageFact =
  | {
      readonly kind: 'metered';
      readonly usageId: string;
      readonly jobId: string;
      readonly attempt: number;
      readonly chargeBaseUnits: string;
      readonly waived: boolean;
    }
  | { readonly kind: 'posted'; readonly usageId: string; readonly postingId: string };

/**
 * The job after a usage fact, given the tally that includes it: applied when its settlement
 * state moves (a WatchJob update), ignored otherwise (a second usage record priced before the
 * first is posted changes nothing a tenant sees).
 */
export function evolveSettlement(job: api.Job, tally: UsageTally, fact: UsageFact, at: api.Timestamp): Evolution {
  const settled = settle(job, tally);
  if (settled === job) return { kind: 'ignored', reason: `the settlement stays ${job.settlementState}` };
  const detail =
    fact.kind === 'metered'
      ? `usage ${fact.usageId} of attempt ${fact.attempt} metered: ${fact.waived ? 'waived' : `charge ${fact.chargeBaseUnits} base units`}`
      : `usage ${fact.usageId} posted to the ledger (${fact.postingId})`;
  return { kind: 'applied', job: { ...settled, updatedAt: at }, detail };
}
