// Field checks shared by the three reports, plus the completion's and failure's own fields.
import { api, isDigest, MAX_JOB_INPUTS } from '@switchyard/contracts';
import type { FieldViolation } from '@switchyard/service-host';
import { InvalidRequest, NotPermitted } from '../rejections.js';

export type ReportKind = 'STARTED' | 'COMPLETED' | 'FAILED';

type AnyReport = Partial<api.ReportStartedRequest & api.ReportCompletedRequest & api.ReportFailedRequest>;

export function validateReport(kind: ReportKind, callerProviderId: string, request: AnyReport): void {
  const violations: FieldViolation[] = [];
  const need = (ok: boolean, field: string, description: string): void => {
    if (!ok) violations.push({ field, description });
  };
  need(!!request.jobId, 'job_id', 'required');
  need(!!request.providerId, 'provider_id', 'required');
  need((request.attempt ?? 0) >= 1, 'attempt', 'must be the attempt number of the assignment (1 or more)');
  if (kind === 'COMPLETED') {
    need(!!request.resultHash, 'result_hash', 'required');
    for (const field of ['fetched_digests', 'cached_digests'] as const) {
      const digests = (field === 'fetched_digests' ? request.fetchedDigests : request.cachedDigests) ?? [];
      need(digests.length <= MAX_JOB_INPUTS, field, `at most ${MAX_JOB_INPUTS} digests (a job has at most ${MAX_JOB_INPUTS} inputs)`);
      digests
        .slice(0, MAX_JOB_INPUTS)
        .forEach((digest, i) => need(isDigest(digest), `${field}[${i}]`, 'must be "sha256:" and 64 lowercase hex digits'));
    }
  }
  if (kind === 'FAILED') {
    need(request.category !== undefined && request.category !== api.FailureCategory.FAILURE_CATEGORY_UNSPECIFIED, 'category', 'required');
  }
  if (request.usage != null) need(request.usage.reportId !== '', 'usage.report_id', 'required when usage is reported');
  if (violations.length > 0) throw new InvalidRequest(violations);
  if (request.providerId !== callerProviderId) {
    throw new NotPermitted(`provider_id ${request.providerId} is not the provider these credentials belong to`);
  }
}
