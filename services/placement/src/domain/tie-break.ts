// Deterministic tie-break between equally scored candidates: a 32-bit FNV-1a hash of the job id
// and the provider id. Seeded by the job id so ties do not always favour the same provider across
// jobs, yet the same job always breaks the same tie the same way (replay reproduces it).

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

export function tieBreakKey(jobId: string, providerId: string): number {
  return fnv1a32(`${jobId}\u0000${providerId}`);
}
