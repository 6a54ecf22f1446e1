import { describe, expect, it } from '@jest/globals';
import { Partitioners } from 'kafkajs';
import { partitionForKey } from './partitioning.js';

describe('partitionForKey', () => {
  // KafkaJS's DefaultPartitioner is the Java client's murmur2 partitioner: the reference here.
  const reference = Partitioners.DefaultPartitioner();
  const partitionMetadata = (n: number) =>
    Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

  it('agrees with the Kafka default partitioner for keys of every tail length and non-ASCII keys', () => {
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'job-42', 'job-0193a4f2-7c1e-7b3e-9d0f-2a6c1e5b8f00', 'prov-ÄÖü-東京', 'x'.repeat(257)];
    for (const n of [1, 3, 8, 12]) {
      for (const key of keys) {
        const expected = reference({ topic: 't', partitionMetadata: partitionMetadata(n), message: { key, value: null } });
        expect([key, n, partitionForKey(key, n)]).toEqual([key, n, expected]);
      }
    }
  });

  it('is stable and within range', () => {
    for (let i = 0; i < 200; i++) {
      const p = partitionForKey(`job-${i}`, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      expect(partitionForKey(`job-${i}`, 6)).toBe(p);
    }
  });
});
