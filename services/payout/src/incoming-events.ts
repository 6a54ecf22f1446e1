// Decoding the payloads payout consumes. A payload is the protobuf canonical JSON of the topic's
// envelope (`{"usageMetered": {...}}`) as the producers write it; a bare message (the AsyncAPI
// document's reading of ce_type) is accepted too, so either producer convention decodes.
import type { api } from '@switchyard/contracts';
import type { JsonValue } from '@switchyard/event-log';

interface MessageCodec<T> {
  fromJSON(object: unknown): T;
}

/** The message named `member` (lowerCamel oneof name) from an envelope or bare payload. */
export function decodePayload<T>(data: JsonValue, member: string, codec: MessageCodec<T>): T {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${member}: payload is not a JSON object`);
  const wrapped = (data as Record<string, JsonValue>)[member];
  return codec.fromJSON(wrapped !== undefined && typeof wrapped === 'object' && !Array.isArray(wrapped) ? wrapped : data);
}

export function dateOf(timestamp: api.Timestamp | undefined | null): Date | undefined {
  if (timestamp == null) return undefined;
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000));
}

/** The event's own time when the payload has none. */
export function requiredDate(timestamp: api.Timestamp | undefined | null, fallback: string): Date {
  return dateOf(timestamp) ?? new Date(fallback);
}
