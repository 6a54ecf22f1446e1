// ReportStarted / ReportCompleted / ReportFailed. Each report names a job attempt; it is applied
// only by the provider holding that attempt now. A report already applied (same job, attempt and
// kind, from the same provider) is acknowledged again without a second event. A report for an
// attempt that is no longer current (requeued, cancelled, expired) is FAILED_PRECONDITION.
import { Inject, Injectable } from '@nestjs/common';
import { api } from '@switchyard/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { CapacitySignal } from '../capacity-signal.js';
import { requeueAfterFailure, toTimestamp, type PlacementPolicy } from '../domain/index.js';
import { jobEnvelope, usageEnvelope } from '../event-envelopes.js';
import { PlacementEvents } from '../placement-events.js';
import { lockJob, updateJob, type JobRow } from '../persistence/job-rows.js';
import { addToTrackRecord } from '../persistence/provider-rows.js';
import { loadRegistry } from '../persistence/registry-snapshot.js';
import { rows, run } from '../persistence/sql.js';
import { finishJob, requeueJob } from '../placing/job-transitions.js';
import { NotFound, StateConflict } from '../rejections.js';
import { PLACEMENT_POLICY } from '../tokens.js';
import { validateReport, type ReportKind } from './report-validation.js';

export type ReportOutcome = 'applied' | 'duplicate';

interface AttemptReport {
  jobId: string;
  attempt: number;
  providerId: string;
}

@Injectable()
export class AttemptReports {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PlacementEvents,
    private readonly capacity: CapacitySignal,
    @Inject(PLACEMENT_POLICY) private readonly policy: PlacementPolicy,
  ) {}

  started(callerProviderId: string, request: api.ReportStartedRequest, receivedAt: Date): Promise<ReportOutcome> {
    validateReport('STARTED', callerProviderId, request);
    return this.apply('STARTED', request, receivedAt, async (manager, job) => {
      if (job.state !== 'PLACED') return; // completed before the start report arrived
      await updateJob(manager, job.jobId, { state: 'RUNNING' });
      const at = toTimestamp(receivedAt.getTime());
      await this.events.jobs(manager, jobEnvelope({ jobStarted: { ...attemptOf(request), startedAt: at } }, at));
    });
  }

  async completed(callerProviderId: string, request: api.ReportCompletedRequest, receivedAt: Date): Promise<ReportOutcome> {
    validateReport('COMPLETED', callerProviderId, request);
    const outcome = await this.apply('COMPLETED', request, receivedAt, async (manager, job) => {
      await finishJob(manager, job, 'COMPLETED');
      await addToTrackRecord(manager, request.providerId, 'completions');
      const at = toTimestamp(receivedAt.getTime());
      await this.events.jobs(
        manager,
        jobEnvelope({ jobCompleted: { ...attemptOf(request), resultHash: request.resultHash, completedAt: at } }, at),
      );
      await this.reportUsage(manager, request, request.usage, receivedAt);
    });
    if (outcome === 'applied') this.capacity.raise();
    return outcome;
  }

  async failed(callerProviderId: string, request: api.ReportFailedRequest, receivedAt: Date): Promise<ReportOutcome> {
    validateReport('FAILED', callerProviderId, request);
    const outcome = await this.apply('FAILED', request, receivedAt, async (manager, job) => {
      const at = toTimestamp(receivedAt.getTime());
      const report = { ...attemptOf(request), category: request.category, retryable: request.retryable, message: request.message, at };
      const [decision] = requeueAfterFailure(report, await loadRegistry(manager), this.policy);
      if (decision === undefined) throw new Error(`requeueAfterFailure decided nothing for current attempt ${job.jobId}#${job.attempt}`);
      if (decision.type === 'JobRequeued') {
        await requeueJob(manager, job, decision.data);
        await this.events.jobs(manager, jobEnvelope({ jobRequeued: decision.data }, at));
      } else {
        await finishJob(manager, job, 'FAILED');
        await this.events.jobs(manager, jobEnvelope({ jobFailed: decision.data }, at));
      }
      if (request.category !== api.FailureCategory.FAILURE_CATEGORY_WORKLOAD) await addToTrackRecord(manager, request.providerId, 'failures');
      await this.reportUsage(manager, request, request.usage, receivedAt);
    });
    if (outcome === 'applied') this.capacity.raise();
    return outcome;
  }

  private async apply(
    kind: ReportKind,
    report: AttemptReport,
    receivedAt: Date,
    change: (manager: EntityManager, job: JobRow) => Promise<void>,
  ): Promise<ReportOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const job = await lockJob(manager, report.jobId);
      if (job === undefined || !(await wasAssigned(manager, report))) {
        throw new NotFound(`job ${report.jobId} attempt ${report.attempt} was never assigned to this provider`, 'switchyard.v1.Job', report.jobId);
      }
      const [previous] = await rows<{ provider_id: string }>(
        manager,
        'SELECT provider_id FROM attempt_reports WHERE job_id = $1 AND attempt = $2 AND kind = $3',
        [report.jobId, report.attempt, kind],
      );
      if (previous !== undefined) return 'duplicate';
      const current = job.attempt === report.attempt && job.providerId === report.providerId && (job.state === 'PLACED' || job.state === 'RUNNING');
      if (!current) {
        throw new StateConflict(
          `job ${job.jobId} attempt ${report.attempt} is no longer current on this provider (job is ${job.state}, attempt ${job.attempt})`,
          'JOB_ATTEMPT_CURRENT',
          `${job.jobId}#${report.attempt}`,
        );
      }
      await run(manager, 'INSERT INTO attempt_reports (job_id, attempt, kind, provider_id, reported_at) VALUES ($1, $2, $3, $4, $5)', [
        report.jobId,
        report.attempt,
        kind,
        report.providerId,
        receivedAt,
      ]);
      await change(manager, job);
      return 'applied';
    });
  }

  /** UsageReported on the usage topic, once per report id (metering deduplicates on it too). */
  private async reportUsage(manager: EntityManager, report: AttemptReport, usage: api.UsageReport | undefined | null, receivedAt: Date): Promise<void> {
    if (usage == null || usage.reportId === '') return;
    const { count } = await run(
      manager,
      'INSERT INTO usage_reports (report_id, job_id, attempt, provider_id) VALUES ($1, $2, $3, $4) ON CONFLICT (report_id) DO NOTHING',
      [usage.reportId, report.jobId, report.attempt, report.providerId],
    );
    if (count !== 1) return;
    const at = toTimestamp(receivedAt.getTime());
    await this.events.usage(
      manager,
      usageEnvelope(
        {
          usageReported: {
            reportId: usage.reportId,
            ...attemptOf(report),
            amounts: usage.amounts ?? { gpuMilliseconds: '0', tokens: '0', bytes: '0' },
            reportedAt: at,
          },
        },
        at,
      ),
    );
  }
}

function attemptOf(report: AttemptReport): AttemptReport {
  return { jobId: report.jobId, attempt: report.attempt, providerId: report.providerId };
}

async function wasAssigned(manager: EntityManager, report: AttemptReport): Promise<boolean> {
  const found = await rows(manager, `SELECT 1 FROM assignments WHERE job_id = $1 AND attempt = $2 AND provider_id = $3 AND kind = 'ASSIGN' LIMIT 1`, [
    report.jobId,
    report.attempt,
    report.providerId,
  ]);
  return found.length > 0;
}
