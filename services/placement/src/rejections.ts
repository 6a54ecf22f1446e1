// Why the provider API refuses a call, as typed errors; the gRPC controller maps them to status
// codes (grpc-errors) at the edge, so the use cases stay free of transport types.
import type { FieldViolation } from '@switchyard/service-host';

export class InvalidRequest extends Error {
  constructor(readonly violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join('; '));
  }
}

/** Missing or unknown credentials. */
export class NotAuthenticated extends Error {}

/** Known caller acting on something that is not its own (e.g. another operator's provider id). */
export class NotPermitted extends Error {}

/** The job or provider does not exist for this caller. */
export class NotFound extends Error {
  constructor(
    message: string,
    readonly resourceType: string,
    readonly resourceName: string,
  ) {
    super(message);
  }
}

/** The call is well-formed but the state does not allow it (a stale attempt, a finished job). */
export class StateConflict extends Error {
  constructor(
    message: string,
    readonly kind: string,
    readonly subject: string,
  ) {
    super(message);
  }
}

/** This instance is not the active scheduler: the call belongs to the leader (if one is known). */
export class NotLeader extends Error {
  constructor(readonly leaderAddress: string | undefined) {
    super(leaderAddress === undefined ? 'no placement scheduler is active yet' : `the active placement scheduler is ${leaderAddress}`);
  }
}

/** The scheduler could not apply the call now (its cycle failed, or it is taking over): retry. */
export class SchedulerUnavailable extends Error {}

/** More calls are waiting for the scheduler than it takes: back off and retry. */
export class SchedulerOverloaded extends Error {
  constructor(readonly waiting: number) {
    super(`${waiting} calls are waiting for the placement scheduler`);
  }
}
