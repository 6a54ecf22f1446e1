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
