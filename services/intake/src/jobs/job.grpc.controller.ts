// switchyard.v1.JobService over gRPC: authenticate, parse, call the handler, map the result to
// a response or a status with google.rpc details. No decisions are made here. The time of a call
// (submitted, cancel requested, quoted) is read from the module's Clock.
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import {
  alreadyExists,
  CLOCK,
  failedPrecondition,
  invalidArgument,
  notFound,
  resourceExhausted,
  unauthenticated,
  type Clock,
} from '@switchyard/service-host';
import { validateJobSpec } from '../domain/validate-job-spec.js';
import { defer, from, mergeMap, type Observable } from 'rxjs';
import { ApiKeyAuthenticator, NotAuthenticated } from '../tenancy/api-key-authenticator.js';
import { CancelJobHandler } from './cancel-job.handler.js';
import { InvalidCursor, InvalidPageToken, isJobId, JobQueries } from './job-queries.js';
import { SubmitJobHandler } from './submit-job.handler.js';
import type { Tenant } from '../domain/submit-job.js';

const JOB_RESOURCE = 'switchyard.v1.Job';
const MAX_CANCEL_REASON_LENGTH = 1024;

@Controller()
export class JobGrpcController {
  constructor(
    private readonly auth: ApiKeyAuthenticator,
    private readonly submissions: SubmitJobHandler,
    private readonly cancellations: CancelJobHandler,
    private readonly queries: JobQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @GrpcMethod('JobService', 'SubmitJob')
  async submitJob(request: api.SubmitJobRequest, metadata: Metadata): Promise<api.SubmitJobResponse> {
    const submittedAt = this.clock.now();
    const tenant = await this.tenantOf(metadata);
    const spec = request.spec == null ? undefined : api.JobSpec.fromPartial(request.spec);
    const result = await this.submissions.submit(tenant, spec, request.idempotencyKey ?? '', submittedAt);
    switch (result.kind) {
      case 'invalid':
        throw invalidArgument(result.violations);
      case 'conflict':
        throw alreadyExists(
          'idempotency_key was already used for a different job spec; use a new key for a new job',
          { resourceType: JOB_RESOURCE, resourceName: result.jobId },
          { reason: 'IDEMPOTENCY_KEY_REUSED', metadata: { idempotency_key: request.idempotencyKey } },
        );
      case 'over-cap':
        throw failedPrecondition(
          `the job's worst-case price ${result.quoteBaseUnits} exceeds what is left of the spending cap: cap ${result.capBaseUnits}, committed ${result.committedBaseUnits} (base units)`,
          {
            violations: [
              { type: 'SPENDING_CAP', subject: 'tenant', description: 'worst-case quote exceeds the remaining spending cap of the epoch' },
            ],
            info: {
              reason: 'SPENDING_CAP_EXCEEDED',
              metadata: {
                cap_base_units: result.capBaseUnits.toString(),
                committed_base_units: result.committedBaseUnits.toString(),
                quote_base_units: result.quoteBaseUnits.toString(),
              },
            },
          },
        );
      case 'overloaded':
        throw resourceExhausted(
          `intake is saturated: ${result.waiting} submissions are waiting to be stored; retry in ${result.retryAfterMs} ms`,
          {
            retryAfterMs: result.retryAfterMs,
            info: { reason: 'INTAKE_OVERLOADED', metadata: { waiting: result.waiting } },
          },
        );
      case 'submitted':
        return { job: result.job, deduplicated: result.deduplicated };
    }
  }

  @GrpcMethod('JobService', 'GetJob')
  async getJob(request: api.GetJobRequest, metadata: Metadata): Promise<api.GetJobResponse> {
    const tenant = await this.tenantOf(metadata);
    const job = isJobId(request.jobId) ? await this.queries.get(tenant.id, request.jobId) : undefined;
    if (!job) throw jobNotFound(request.jobId);
    return { job };
  }

  @GrpcMethod('JobService', 'ListJobs')
  async listJobs(request: api.ListJobsRequest, metadata: Metadata): Promise<api.ListJobsResponse> {
    const tenant = await this.tenantOf(metadata);
    const states = request.states ?? [];
    const tiers = request.tiers ?? [];
    const violations = [
      ...enumViolations('states', states, api.JobState, 'JOB_STATE_UNSPECIFIED'),
      ...enumViolations('tiers', tiers, api.Tier, 'TIER_UNSPECIFIED'),
    ];
    if (violations.length > 0) throw invalidArgument(violations);
    try {
      const page = await this.queries.list({
        tenantId: tenant.id,
        states,
        tiers,
        pageSize: request.pageSize ?? 0,
        pageToken: request.pageToken ?? '',
      });
      return { jobs: page.jobs, nextPageToken: page.nextPageToken };
    } catch (error) {
      if (error instanceof InvalidPageToken) throw invalidArgument([{ field: 'page_token', description: error.message }]);
      throw error;
    }
  }

  @GrpcMethod('JobService', 'WatchJob')
  watchJob(request: api.WatchJobRequest, metadata: Metadata): Observable<api.WatchJobResponse> {
    return defer(async () => {
      const tenant = await this.tenantOf(metadata);
      const job = isJobId(request.jobId) ? await this.queries.get(tenant.id, request.jobId) : undefined;
      if (!job) throw jobNotFound(request.jobId);
      try {
        return this.queries.watch(request.jobId, request.resumeCursor ?? '');
      } catch (error) {
        if (error instanceof InvalidCursor) throw invalidArgument([{ field: 'resume_cursor', description: error.message }]);
        throw error;
      }
    }).pipe(mergeMap((updates) => from(updates)));
  }

  @GrpcMethod('JobService', 'CancelJob')
  async cancelJob(request: api.CancelJobRequest, metadata: Metadata): Promise<api.CancelJobResponse> {
    const requestedAt = this.clock.now();
    const tenant = await this.tenantOf(metadata);
    const reason = request.reason ?? '';
    if (reason.length > MAX_CANCEL_REASON_LENGTH) {
      throw invalidArgument([{ field: 'reason', description: `must be at most ${MAX_CANCEL_REASON_LENGTH} characters` }]);
    }
    const result = isJobId(request.jobId)
      ? await this.cancellations.cancel(tenant.id, request.jobId, reason, requestedAt)
      : { kind: 'not-found' as const };
    switch (result.kind) {
      case 'not-found':
        throw jobNotFound(request.jobId);
      case 'terminal':
        throw failedPrecondition(`job ${request.jobId} already ended (${result.state}) and cannot be cancelled`, {
          violations: [{ type: 'JOB_STATE', subject: `jobs/${request.jobId}`, description: `job is ${result.state}` }],
          info: { reason: 'JOB_ALREADY_TERMINAL', metadata: { state: result.state } },
        });
      case 'cancel-requested':
        return { job: result.job };
    }
  }

  private async tenantOf(metadata: Metadata): Promise<Tenant> {
    try {
      return await this.auth.authenticate(metadata);
    } catch (error) {
      if (error instanceof NotAuthenticated) throw unauthenticated(error.message, { reason: error.reason });
      throw error;
    }
  }

  /** Prices a spec per tier from the rate card in effect now; no side effect. */
  @GrpcMethod('JobService', 'QuoteJob')
  async quoteJob(request: api.QuoteJobRequest, metadata: Metadata): Promise<api.QuoteJobResponse> {
    const quotedAt = this.clock.now();
    await this.tenantOf(metadata);
    const spec = request.spec == null ? undefined : api.JobSpec.fromPartial(request.spec);
    const violations = validateJobSpec(spec, quotedAt);
    if (violations.length > 0 || spec === undefined) throw invalidArgument(violations);
    const quote = this.submissions.quote(spec, quotedAt);
    if ('kind' in quote) throw invalidArgument(quote.violations);
    return { quote };
  }
}

/** Also for another tenant's job: its existence is never revealed. */
function jobNotFound(jobId: string): Error {
  return notFound(`job ${jobId} not found`, { resourceType: JOB_RESOURCE, resourceName: jobId });
}

function enumViolations(field: string, values: readonly string[], known: Record<string, string>, unspecified: string) {
  return values.flatMap((value, i) =>
    value in known && value !== unspecified ? [] : [{ field: `${field}[${i}]`, description: `"${value}" is not a filterable value` }],
  );
}
