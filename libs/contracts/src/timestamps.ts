// google.protobuf.Timestamp's valid range (timestamp.proto): 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z, seconds and nanos as the wire carries them (ts-proto keeps
// int64 seconds as a decimal string).
import type { Timestamp } from './gen/google/protobuf/timestamp.js';

export const TIMESTAMP_MIN_SECONDS = -62_135_596_800n;
export const TIMESTAMP_MAX_SECONDS = 253_402_300_799n;

/** Why `timestamp` is not a valid Timestamp, or undefined when it is. */
export function timestampProblem(timestamp: Timestamp): string | undefined {
  if (!/^-?\d+$/.test(String(timestamp.seconds))) return 'is not a valid timestamp';
  const seconds = BigInt(timestamp.seconds);
  if (!Number.isInteger(timestamp.nanos) || timestamp.nanos < 0 || timestamp.nanos > 999_999_999)
    return 'is not a valid timestamp: nanos must be 0 to 999,999,999';
  if (seconds < TIMESTAMP_MIN_SECONDS || seconds > TIMESTAMP_MAX_SECONDS) {
    return 'is outside the protobuf Timestamp range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)';
  }
  return undefined;
}
