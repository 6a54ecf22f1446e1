// Injection tokens of the metering module's non-class providers.
export const METERING_CONFIG = Symbol('metering.config');
export const RATE_CARDS = Symbol('metering.rate-cards');
export const CALLER_CREDENTIALS = Symbol('metering.caller-credentials');
