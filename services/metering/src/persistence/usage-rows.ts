// usage_lines (priced reports) and pending_usage_reports (reports waiting for their job).
import { events } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';

/** The report was priced already, or is parked: either way this delivery changes nothing. */
export async function reportSeen(manager: EntityManager, reportId: string): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `SELECT 1 FROM usage_lines WHERE report_id = $1 UNION ALL SELECT 1 FROM pending_usage_reports WHERE report_id = $1 LIMIT 1`,
    [reportId],
  );
  return rows.length > 0;
}

/** Inserts the line; false when its report was priced before (unique report_id). */
export async function insertUsageLine(
  manager: EntityManager,
  metered: events.UsageMetered,
  reportedAt: Date,
  sourceEventId: string,
): Promise<boolean> {
  const amounts = metered.amounts ?? { gpuMilliseconds: '0', tokens: '0', bytes: '0', fetchedBytes: '0' };
  const rows: unknown[] = await manager.query(
    `INSERT INTO usage_lines (usage_id, report_id, job_id, attempt, tenant_id, provider_id, tier, gpu_class, rate_card_version,
                              gpu_milliseconds, tokens, bytes, tenant_charge, provider_earning, protocol_fee, reported_at, metered_at, source_event_id,
                              fetched_bytes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ON CONFLICT (report_id) DO NOTHING
     RETURNING 1`,
    [
      metered.usageId,
      metered.reportId,
      metered.jobId,
      metered.attempt,
      metered.tenantId,
      metered.providerId,
      metered.tier,
      metered.gpuClass,
      metered.rateCardVersion,
      amounts.gpuMilliseconds,
      amounts.tokens,
      amounts.bytes,
      metered.tenantChargeBaseUnits,
      metered.providerEarningBaseUnits,
      metered.protocolFeeBaseUnits,
      reportedAt,
      metered.meteredAt ? new Date(Number(metered.meteredAt.seconds) * 1000 + Math.floor(metered.meteredAt.nanos / 1e6)) : reportedAt,
      sourceEventId,
      amounts.fetchedBytes || '0',
    ],
  );
  return rows.length === 1;
}

export interface PendingReport {
  readonly report: events.UsageReported;
  readonly eventId: string;
  readonly traceparent: string | undefined;
}

export async function parkReport(
  manager: EntityManager,
  pending: PendingReport,
  receivedAt: Date,
  lastError: string | null = null,
): Promise<void> {
  await manager.query(
    `INSERT INTO pending_usage_reports (report_id, job_id, report, event_id, traceparent, received_at, last_error)
     VALUES ($1, $2, $3::json, $4, $5, $6, $7)
     ON CONFLICT (report_id) DO UPDATE SET last_error = EXCLUDED.last_error`,
    [
      pending.report.reportId,
      pending.report.jobId,
      JSON.stringify(events.UsageReported.toJSON(pending.report)),
      pending.eventId,
      pending.traceparent ?? null,
      receivedAt,
      lastError,
    ],
  );
}

/** The jobs' parked reports, each job's oldest first, in one statement. */
export async function pendingReportsOf(manager: EntityManager, jobIds: readonly string[]): Promise<Map<string, PendingReport[]>> {
  const rows = (await manager.query(
    'SELECT job_id, report, event_id, traceparent FROM pending_usage_reports WHERE job_id = ANY($1) ORDER BY job_id, received_at, report_id',
    [jobIds],
  )) as { job_id: string; report: unknown; event_id: string; traceparent: string | null }[];
  const byJob = new Map<string, PendingReport[]>();
  for (const row of rows) {
    const reports = byJob.get(row.job_id) ?? [];
    reports.push({ report: events.UsageReported.fromJSON(row.report), eventId: row.event_id, traceparent: row.traceparent ?? undefined });
    byJob.set(row.job_id, reports);
  }
  return byJob;
}

export async function unparkReport(manager: EntityManager, reportId: string): Promise<void> {
  await manager.query('DELETE FROM pending_usage_reports WHERE report_id = $1', [reportId]);
}
