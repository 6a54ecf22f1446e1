// Time in the domain is the time carried by events: protobuf Timestamps in, epoch milliseconds
// inside. Milliseconds because event JSON keeps no more (see docs/contracts.md); sub-millisecond
// parts are floored, so an instant never moves past a boundary it had not reached.
import type { api } from '@switchyard/contracts/messages';

/** Epoch milliseconds of a protobuf Timestamp (`seconds` is an int64 decimal string). */
export function epochMsOf(timestamp: api.Timestamp): number {
  return Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}

export function timestampOfMs(epochMs: number): api.Timestamp {
  const seconds = Math.floor(epochMs / 1000);
  return { seconds: String(seconds), nanos: (epochMs - seconds * 1000) * 1_000_000 };
}
