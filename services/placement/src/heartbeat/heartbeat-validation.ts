// Field checks of HeartbeatRequest at the edge.
import { isDigest, MAX_DIGESTS_PER_MESSAGE, type api } from '@switchyard/contracts';
import type { FieldViolation } from '@switchyard/service-host';
import { InvalidRequest } from '../rejections.js';

export function validateHeartbeat(request: api.HeartbeatRequest): void {
  const violations: FieldViolation[] = [];
  if (request.providerId === '') violations.push({ field: 'provider_id', description: 'required' });
  if (!/^\d+$/.test(String(request.sequence)) || BigInt(request.sequence) === 0n) {
    violations.push({ field: 'sequence', description: 'must be a positive, strictly increasing number' });
  }
  (request.runs ?? []).forEach((run, i) => {
    if (run.jobId === '') violations.push({ field: `runs[${i}].job_id`, description: 'required' });
    if (run.attempt < 1) violations.push({ field: `runs[${i}].attempt`, description: 'must be 1 or more' });
  });
  for (const field of ['added_digests', 'evicted_digests'] as const) {
    const digests = (field === 'added_digests' ? request.addedDigests : request.evictedDigests) ?? [];
    if (digests.length > MAX_DIGESTS_PER_MESSAGE) violations.push({ field, description: `at most ${MAX_DIGESTS_PER_MESSAGE} digests` });
    digests.slice(0, MAX_DIGESTS_PER_MESSAGE).forEach((digest, i) => {
      if (!isDigest(digest)) violations.push({ field: `${field}[${i}]`, description: 'must be "sha256:" and 64 lowercase hex digits' });
    });
  }
  if (violations.length > 0) throw new InvalidRequest(violations);
}
