import type { LogPosition } from '@switchyard/event-log';
import { usageError } from '../cli-error.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A `--from`/`--to` value: a whole number is an offset (applied to every partition, as the log's
 * `read` does), an RFC 3339 time selects per partition the first record appended at or after it,
 * and `beginning` / `end` leave that side of the window open.
 */
export function parseLogPosition(flag: string, value: string | undefined): LogPosition | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === 'beginning' || text === 'end') return undefined;
  if (/^\d+$/.test(text)) return { offset: BigInt(text).toString() };
  if (RFC3339.test(text)) {
    const time = new Date(/[T ]/i.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? `${text}Z` : text);
    if (!Number.isNaN(time.getTime())) return { time };
  }
  throw usageError(
    `malformed ${flag} "${value}": expected an RFC 3339 time (e.g. 2026-11-24T10:00:00Z, UTC if no offset), an offset (a whole number), or "beginning"/"end"`,
  );
}

/** Both bounds, checking that a window given in the same unit is not reversed. */
export function parseWindow(from: string | undefined, to: string | undefined): { from?: LogPosition; to?: LogPosition } {
  const start = parseLogPosition('--from', from);
  const end = parseLogPosition('--to', to);
  if (start && end) {
    if ('time' in start && 'time' in end && start.time.getTime() > end.time.getTime()) {
      throw usageError(`--from ${start.time.toISOString()} is after --to ${end.time.toISOString()}`);
    }
    if ('offset' in start && 'offset' in end && BigInt(start.offset) > BigInt(end.offset)) {
      throw usageError(`--from offset ${start.offset} is after --to offset ${end.offset}`);
    }
  }
  return { ...(start ? { from: start } : {}), ...(end ? { to: end } : {}) };
}

export function describePosition(position: LogPosition | undefined, open: string): string {
  if (position === undefined) return open;
  if ('offset' in position) return `offset ${position.offset}`;
  if ('offsets' in position)
    return `offsets ${Object.entries(position.offsets)
      .map(([partition, offset]) => `${partition}:${offset}`)
      .join(',')}`;
  return position.time.toISOString();
}
