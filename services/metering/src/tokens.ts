// Injection tokens of the metering module's non-class providers.
export const METERING_CONFIG = Symbol('METERING_CONFIG');
export const RATE_CARDS = Symbol('RATE_CARDS');
export const EVENT_LOG = Symbol('EVENT_LOG');
export const CALLER_CREDENTIALS = Symbol('CALLER_CREDENTIALS');
