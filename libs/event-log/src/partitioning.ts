// Key -> partition, the same on both backends and the same as Kafka's Java default partitioner
// (murmur2 of the UTF-8 key bytes, sign bit cleared, modulo the partition count), so a job's
// events land on the same partition number whichever client or backend wrote them.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length % 4;
  if (tail === 3) h ^= bytes[whole + 2]! << 16;
  if (tail >= 2) h ^= bytes[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= bytes[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`invalid partition count ${partitions}`);
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
