// Injection tokens of values the module builds from configuration.
export const PAYOUT_CONFIG = Symbol('PayoutConfig');
export const EVENT_LOG = Symbol('EventLog');
export const CALLERS = Symbol('CallerDirectory');
