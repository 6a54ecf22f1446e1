// Failure faults: whose an attempt's failure is, and what follows from it. The one table of
// docs/failure-categories.md, shared by placement (retry, exclusion, reputation), metering (what
// the tenant is charged), payout (penalties) and the CLI (explain, timeline).
import * as api from './api-messages.js';
import * as events from './events.js';

const F = events.Fault;
const C = api.FailureCategory;

/**
 * Whose fault an attempt's failure is, from what was reported (category) and who reported it
 * (source). The one table of docs/failure-categories.md; what follows from each fault is
 * `consequencesOf`.
 */
export function faultOf(category: api.FailureCategory, source: events.FailureSource): events.Fault {
  switch (category) {
    case C.FAILURE_CATEGORY_WORKLOAD:
    case C.FAILURE_CATEGORY_OUT_OF_MEMORY:
      return F.FAULT_WORKLOAD;
    case C.FAILURE_CATEGORY_HARDWARE:
    case C.FAILURE_CATEGORY_NETWORK:
      return F.FAULT_PROVIDER;
    case C.FAILURE_CATEGORY_TIMEOUT:
      return F.FAULT_TIMEOUT;
    case C.FAILURE_CATEGORY_PREEMPTED:
      return F.FAULT_PREEMPTION;
    case C.FAILURE_CATEGORY_DEPENDENCY:
      // The job's own pipeline: a job it depends on did not complete. Nothing ran, nobody pays.
      return F.FAULT_WORKLOAD;
    case C.FAILURE_CATEGORY_INTERNAL:
      // Switchyard's own internal failure, or the provider's (its software is its own).
      return source === events.FailureSource.FAILURE_SOURCE_SYSTEM ? F.FAULT_PLATFORM : F.FAULT_PROVIDER;
    case C.FAILURE_CATEGORY_UNSPECIFIED:
    case C.UNRECOGNIZED:
      return source === events.FailureSource.FAILURE_SOURCE_SYSTEM ? F.FAULT_PLATFORM : F.FAULT_PROVIDER;
    default: {
      const unexpected: never = category;
      return unexpected;
    }
  }
}

export interface FaultConsequences {
  /** Another attempt (attempts left permitting). */
  readonly retry: boolean;
  /** The provider is excluded from the job's next attempts. */
  readonly exclude: boolean;
  /** The provider's track record counts a failure (its reputation falls). */
  readonly reputation: boolean;
  /** The tenant pays for what the attempt used. */
  readonly chargeTenant: boolean;
  /** A penalty is assessed against the provider (with the failure's events as evidence). */
  readonly penalise: boolean;
}

const CONSEQUENCES: Readonly<Record<events.Fault, FaultConsequences>> = {
  [F.FAULT_WORKLOAD]: { retry: false, exclude: false, reputation: false, chargeTenant: true, penalise: false },
  [F.FAULT_PROVIDER]: { retry: true, exclude: true, reputation: true, chargeTenant: false, penalise: true },
  [F.FAULT_TIMEOUT]: { retry: true, exclude: true, reputation: true, chargeTenant: false, penalise: false },
  [F.FAULT_PREEMPTION]: { retry: true, exclude: false, reputation: false, chargeTenant: false, penalise: false },
  [F.FAULT_PLATFORM]: { retry: true, exclude: false, reputation: false, chargeTenant: false, penalise: false },
  [F.FAULT_UNSPECIFIED]: { retry: true, exclude: true, reputation: true, chargeTenant: false, penalise: false },
  [F.UNRECOGNIZED]: { retry: true, exclude: true, reputation: true, chargeTenant: false, penalise: false },
};

export function consequencesOf(fault: events.Fault): FaultConsequences {
  return CONSEQUENCES[fault] ?? CONSEQUENCES[F.UNRECOGNIZED];
}

/** Every fault with its consequences, in the order of the docs table. */
export const FAULT_TABLE: ReadonlyArray<{ readonly fault: events.Fault } & FaultConsequences> = [
  F.FAULT_WORKLOAD,
  F.FAULT_PROVIDER,
  F.FAULT_TIMEOUT,
  F.FAULT_PREEMPTION,
  F.FAULT_PLATFORM,
].map((fault) => ({ fault, ...CONSEQUENCES[fault] }));

/**
 * What `fault` decides for one consequence; for records written before faults were recorded
 * (FAULT_UNSPECIFIED), the rule they were decided by at the time (`legacy`), so a replay of an old
 * log reaches the decisions it recorded.
 */
export function decides(fault: events.Fault | undefined, consequence: keyof FaultConsequences, legacy: boolean): boolean {
  if (fault === undefined || fault === F.FAULT_UNSPECIFIED) return legacy;
  return consequencesOf(fault)[consequence];
}
