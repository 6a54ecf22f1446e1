// Reading usage lines over a metered_at window, keyset-paged by (metered_at, usage_id).
import type { api } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';

/** Whose usage: a tenant's charges, a provider's earnings, or (admin) every tenant's charges. */
export type UsageScope = { readonly tenantId: string } | { readonly providerId: string } | 'all';

export interface UsageWindow {
  readonly start: Date | null;
  readonly end: Date | null;
}

export interface PageCursor {
  readonly meteredAt: Date;
  readonly usageId: string;
}

export interface UsagePage {
  readonly lines: api.UsageLine[];
  readonly totalBaseUnits: string;
  /** Position after the last line when more lines follow. */
  readonly next: PageCursor | undefined;
}

interface LineRow {
  usage_id: string;
  job_id: string;
  attempt: number;
  report_id: string;
  tier: api.Tier;
  gpu_class: string;
  gpu_milliseconds: string;
  fetched_bytes: string;
  tokens: string;
  bytes: string;
  price: string;
  rate_card_version: string;
  metered_at: Date;
}

export async function usagePage(
  manager: EntityManager,
  scope: UsageScope,
  window: UsageWindow,
  pageSize: number,
  after: PageCursor | undefined,
): Promise<UsagePage> {
  const params: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const providerView = scope !== 'all' && 'providerId' in scope;
  if (scope !== 'all')
    where.push('tenantId' in scope ? `tenant_id = ${param(scope.tenantId)}` : `provider_id = ${param(scope.providerId)}`);
  if (window.start) where.push(`metered_at >= ${param(window.start)}`);
  if (window.end) where.push(`metered_at < ${param(window.end)}`);
  const windowSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const priceColumn = providerView ? 'provider_earning' : 'tenant_charge';

  const [total] = (await manager.query(`SELECT COALESCE(SUM(${priceColumn}), 0)::text AS total FROM usage_lines ${windowSql}`, params)) as {
    total: string;
  }[];
  const pageWhere = after
    ? `${windowSql ? `${windowSql} AND` : 'WHERE'} (metered_at, usage_id) > (${param(after.meteredAt)}, ${param(after.usageId)})`
    : windowSql;
  const rows = (await manager.query(
    `SELECT usage_id, job_id, attempt, report_id, tier, gpu_class, gpu_milliseconds::text, tokens::text, bytes::text, fetched_bytes::text,
            ${priceColumn}::text AS price, rate_card_version, metered_at
     FROM usage_lines ${pageWhere}
     ORDER BY metered_at, usage_id
     LIMIT ${param(pageSize + 1)}`,
    params,
  )) as LineRow[];
  const lines = rows.slice(0, pageSize);
  const last = lines.at(-1);
  return {
    lines: lines.map(toUsageLine),
    totalBaseUnits: total?.total ?? '0',
    next: rows.length > pageSize && last ? { meteredAt: last.metered_at, usageId: last.usage_id } : undefined,
  };
}

function toUsageLine(row: LineRow): api.UsageLine {
  const ms = row.metered_at.getTime();
  const seconds = Math.floor(ms / 1000);
  return {
    usageId: row.usage_id,
    jobId: row.job_id,
    attempt: row.attempt,
    reportId: row.report_id,
    tier: row.tier,
    gpuClass: row.gpu_class,
    amounts: { gpuMilliseconds: row.gpu_milliseconds, tokens: row.tokens, bytes: row.bytes, fetchedBytes: row.fetched_bytes },
    priceBaseUnits: row.price,
    rateCardVersion: row.rate_card_version,
    meteredAt: { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 },
  };
}
