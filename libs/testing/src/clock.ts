// A clock a test sets: it reads the instant it was set to, and moves only when the test moves it.
// It has the shape of service-host's Clock (`{ now(): Date }`), so it is what a test hands a
// service where the system clock would be (e.g. startIntake's `clock` option).

export interface TestClock {
  /** The instant it is set to (a new Date each reading). */
  now(): Date;
  /** Sets it to `at`. */
  set(at: Date | string): void;
  /** Moves it on by `ms` (back when negative). */
  advance(ms: number): void;
}

/** A clock that stays at `at` until the test sets or advances it. */
export function fixedClock(at: Date | string): TestClock {
  let ms = instant(at);
  return {
    now: () => new Date(ms),
    set: (next) => {
      ms = instant(next);
    },
    advance: (by) => {
      ms += by;
    },
  };
}

function instant(at: Date | string): number {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${String(at)}`);
  return ms;
}
