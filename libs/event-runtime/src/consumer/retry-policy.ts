// In-process retries before an event is dead-lettered. The partition waits for them, so the
// total backoff is the longest an event can hold up the events behind it on its partition.
export interface RetryPolicy {
  /** Attempts in total, the first included; `Infinity` never dead-letters (the partition blocks). */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly multiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 5_000, multiplier: 2 };

/** The pause after failed attempt `attempt` (1-based). */
export function backoffAfter(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (attempt - 1));
}

/** How long one poison event holds up its partition at most (sum of the pauses). */
export function worstCaseDelay(policy: RetryPolicy): number {
  let total = 0;
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) total += backoffAfter(policy, attempt);
  return total;
}
