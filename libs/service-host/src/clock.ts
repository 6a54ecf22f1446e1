// The wall clock as a dependency of a service's edge: a gRPC controller reads the time of a call
// (a job's submission, a cancellation request, a balance's as-of) from the Clock its module is
// given under CLOCK, never from `new Date()`, so a test can set it. startEventService provides the
// system clock unless it is given another (EventServiceOptions.clock). Decisions downstream take
// the time from the request or the event, as before.

/** Reads the time. */
export interface Clock {
  now(): Date;
}

/** The process's wall clock: `new Date()` at each reading. */
export const systemClock: Clock = {
  now: () => new Date(),
};

/** The token of the module's Clock (`Clock`; the system clock unless the host was given another). */
export const CLOCK = Symbol('service-host.clock');
