// Why a usage read is refused, as the use case says it. The controller (the gRPC edge) maps each
// to its status code and ErrorInfo reason; nothing else builds gRPC errors.
import type { FieldViolation } from '@switchyard/service-host';

export class InvalidRequest extends Error {
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join('; '));
  }
}

/** No key, or a key nobody holds. */
export class NotAuthenticated extends Error {
  constructor(
    message: string,
    readonly reason: 'API_KEY_MISSING' | 'API_KEY_INVALID',
  ) {
    super(message);
  }
}

/** A known caller asking for what is not theirs. */
export class NotPermitted extends Error {
  constructor(
    message: string,
    readonly reason: 'PROVIDER_USAGE_NOT_ALLOWED' | 'PROVIDER_NOT_OWNED',
  ) {
    super(message);
  }
}
