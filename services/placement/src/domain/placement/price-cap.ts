// Money is integer base units of the token, in bigint: never a float.

const SECONDS_PER_HOUR = 3600n;

/** Worst-case price of a run: ceil(price per GPU-hour × GPUs × seconds / 3600). */
export function worstCasePrice(pricePerGpuHour: bigint, gpuCount: number, durationSeconds: number): bigint {
  const gpuSecondsPrice = pricePerGpuHour * BigInt(gpuCount) * BigInt(durationSeconds);
  return (gpuSecondsPrice + SECONDS_PER_HOUR - 1n) / SECONDS_PER_HOUR;
}

/** True when the job declares a price cap (non-zero) and the provider's worst case exceeds it. */
export function exceedsMaxPrice(pricePerGpuHour: bigint, gpuCount: number, durationSeconds: number, maxPriceBaseUnits: string): boolean {
  if (maxPriceBaseUnits === '' || maxPriceBaseUnits === '0') return false;
  const cap = BigInt(maxPriceBaseUnits);
  return cap > 0n && worstCasePrice(pricePerGpuHour, gpuCount, durationSeconds) > cap;
}
