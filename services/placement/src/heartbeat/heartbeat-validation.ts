// Field checks of HeartbeatRequest at the edge.
import type { api } from '@switchyard/contracts';
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
  if (violations.length > 0) throw new InvalidRequest(violations);
}
