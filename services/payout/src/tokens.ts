// Injection tokens of values the module builds from configuration.
export const PAYOUT_CONFIG = Symbol('payout.config');
export const CALLERS = Symbol('payout.callers');
