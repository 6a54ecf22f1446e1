/** Injection token of the physical jobs topic name (prefix included). */
export const JOBS_TOPIC = Symbol('intake.jobs-topic');
/** Injection token of the WatchJob poll interval in milliseconds. */
export const WATCH_POLL_INTERVAL_MS = Symbol('intake.watch-poll-interval-ms');
/** Injection token of the rate cards (metering's versioned prices) quotes are made from. */
export const RATE_CARDS = Symbol('intake.rate-cards');
/** Injection token of SubmitJob's batching and back-pressure limits. */
export const SUBMISSION_LIMITS = Symbol('intake.submission-limits');
/** Injection token of how long WatchJob stays open after an ended job's last entry while it settles. */
export const WATCH_SETTLEMENT_WAIT_MS = Symbol('intake.watch-settlement-wait-ms');
