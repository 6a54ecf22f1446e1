// Job inputs are named by their content: "sha256:" and 64 lowercase hex digits. The same digest is
// the same bytes on every provider, so "provider P holds input D" means the same everywhere.

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** Most inputs one job may declare, and most digests one heartbeat may add or evict. */
export const MAX_JOB_INPUTS = 32;
export const MAX_DIGESTS_PER_MESSAGE = 10_000;
/** A GB as transfer prices count it: 10^9 bytes. */
export const BYTES_PER_GB = 1_000_000_000n;

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** Price of moving `bytes` at `pricePerGb` base units per GB, rounded up (integers only). */
export function transferPrice(bytes: bigint, pricePerGb: bigint): bigint {
  if (bytes <= 0n || pricePerGb <= 0n) return 0n;
  return (bytes * pricePerGb + BYTES_PER_GB - 1n) / BYTES_PER_GB;
}

/** Most jobs one job may depend on (JobSpec.depends_on). */
export const MAX_JOB_DEPENDENCIES = 16;

/**
 * The name a dependency's output goes by where placement weighs moving data: the output of job X,
 * held by the provider that completed X. Never a content digest, so it cannot collide with one.
 */
export function dependencyOutputKey(jobId: string): string {
  return `output:${jobId}`;
}
