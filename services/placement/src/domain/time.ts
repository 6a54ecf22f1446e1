import type { api } from '@switchyard/contracts/messages';

type Timestamp = api.Timestamp;

// Deciders compare instants as epoch milliseconds; every instant comes from an event, never a clock.
// Milliseconds stay exact in a double until the year 287396, so no bigint is needed here.

export function toEpochMillis(timestamp: Timestamp | undefined): number {
  if (timestamp === undefined) return 0;
  return Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}

export function toTimestamp(epochMillis: number): Timestamp {
  const seconds = Math.floor(epochMillis / 1000);
  return { seconds: String(seconds), nanos: (epochMillis - seconds * 1000) * 1_000_000 };
}
