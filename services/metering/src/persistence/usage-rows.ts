// usage_lines (priced reports) and pending_usage_reports (reports waiting for their job).
import { events } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';

/** The reports of `reportIds` priced already or parked: a delivery of one of them changes nothing. */
export async function reportsSeen(manager: EntityManager, reportIds: readonly string[]): Promise<Set<string>> {
  const rows = (await manager.query(
    `SELECT report_id FROM usage_lines WHERE report_id = ANY($1) UNION SELECT report_id FROM pending_usage_reports WHERE report_id = ANY($1)`,
    [reportIds],
  )) as { report_id: string }[];
  return new Set(rows.map((row) => row.report_id));
}

/** A priced report to store as a usage line. */
export interface UsageLine {
  readonly metered: events.UsageMetered;
  readonly reportedAt: Date;
  readonly sourceEventId: string;
}

/** Inserts the lines in one statement; returns the report ids inserted (a report priced before is not: unique report_id). */
export async function insertUsageLines(manager: EntityManager, lines: readonly UsageLine[]): Promise<Set<string>> {
  if (lines.length === 0) return new Set();
  const column = <T>(of: (line: UsageLine, amounts: NonNullable<events.UsageMetered['amounts']>) => T): T[] =>
    lines.map((line) => of(line, line.metered.amounts ?? { gpuMilliseconds: '0', tokens: '0', bytes: '0', fetchedBytes: '0' }));
  const rows = (await manager.query(
    `INSERT INTO usage_lines (usage_id, report_id, job_id, attempt, tenant_id, provider_id, tier, gpu_class, rate_card_version,
                              gpu_milliseconds, tokens, bytes, tenant_charge, provider_earning, protocol_fee, reported_at, metered_at, source_event_id,
                              fetched_bytes)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                          $10::numeric[], $11::numeric[], $12::numeric[], $13::bigint[], $14::bigint[], $15::bigint[], $16::timestamptz[],
                          $17::timestamptz[], $18::text[], $19::numeric[])
     ON CONFLICT (report_id) DO NOTHING
     RETURNING report_id`,
    [
      column(({ metered }) => metered.usageId),
      column(({ metered }) => metered.reportId),
      column(({ metered }) => metered.jobId),
      column(({ metered }) => metered.attempt),
      column(({ metered }) => metered.tenantId),
      column(({ metered }) => metered.providerId),
      column(({ metered }) => metered.tier),
      column(({ metered }) => metered.gpuClass),
      column(({ metered }) => metered.rateCardVersion),
      column((_, amounts) => amounts.gpuMilliseconds),
      column((_, amounts) => amounts.tokens),
      column((_, amounts) => amounts.bytes),
      column(({ metered }) => metered.tenantChargeBaseUnits),
      column(({ metered }) => metered.providerEarningBaseUnits),
      column(({ metered }) => metered.protocolFeeBaseUnits),
      column(({ reportedAt }) => reportedAt),
      column(({ metered, reportedAt }) =>
        metered.meteredAt ? new Date(Number(metered.meteredAt.seconds) * 1000 + Math.floor(metered.meteredAt.nanos / 1e6)) : reportedAt,
      ),
      column(({ sourceEventId }) => sourceEventId),
      column((_, amounts) => amounts.fetchedBytes || '0'),
    ],
  )) as { report_id: string }[];
  return new Set(rows.map((row) => row.report_id));
}

export interface PendingReport {
  readonly report: events.UsageReported;
  readonly eventId: string;
  readonly traceparent: string | undefined;
}

/** Parks the reports in one statement; a report parked before keeps its row and takes `lastError`. */
export async function parkReports(
  manager: EntityManager,
  parked: readonly { readonly pending: PendingReport; readonly receivedAt: Date }[],
  lastError: string | null = null,
): Promise<void> {
  if (parked.length === 0) return;
  await manager.query(
    `INSERT INTO pending_usage_reports (report_id, job_id, report, event_id, traceparent, received_at, last_error)
     SELECT report_id, job_id, report::json, event_id, traceparent, received_at, $7::text
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
         AS t(report_id, job_id, report, event_id, traceparent, received_at)
     ON CONFLICT (report_id) DO UPDATE SET last_error = EXCLUDED.last_error`,
    [
      parked.map(({ pending }) => pending.report.reportId),
      parked.map(({ pending }) => pending.report.jobId),
      parked.map(({ pending }) => JSON.stringify(events.UsageReported.toJSON(pending.report))),
      parked.map(({ pending }) => pending.eventId),
      parked.map(({ pending }) => pending.traceparent ?? null),
      parked.map(({ receivedAt }) => receivedAt),
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
