// GetUsage: who is asking decides whose usage they see; the request only narrows it.
import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { dateOf, timestampProblem, type api } from '@switchyard/contracts';
import type { FieldViolation } from '@switchyard/service-host';
import { DataSource } from 'typeorm';
import { apiKeyOf, type Caller, type CallerDirectory } from '@switchyard/access';
import { tenantHeaderOf } from './credentials/api-key.js';
import { operatorOfProvider } from './persistence/job-projection.js';
import { usagePage, type PageCursor, type UsageScope } from './persistence/usage-queries.js';
import { InvalidRequest, NotAuthenticated, NotPermitted } from './rejections.js';
import { CALLER_CREDENTIALS } from './tokens.js';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

@Injectable()
export class UsageReport {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CALLER_CREDENTIALS) private readonly callers: CallerDirectory,
  ) {}

  async getUsage(request: api.GetUsageRequest, metadata: Metadata | undefined): Promise<api.GetUsageResponse> {
    const caller = this.authenticate(metadata);
    const violations: FieldViolation[] = [];
    for (const [field, value] of [
      ['start_time', request.startTime],
      ['end_time', request.endTime],
    ] as const) {
      const problem = value ? timestampProblem(value) : undefined;
      if (problem !== undefined) violations.push({ field, description: problem });
    }
    if (violations.length > 0) throw new InvalidRequest(violations);
    const start = dateOf(request.startTime) ?? null;
    const end = dateOf(request.endTime) ?? null;
    if (start && end && start >= end) violations.push({ field: 'end_time', description: 'must be after start_time' });
    if (request.pageSize > MAX_PAGE_SIZE) violations.push({ field: 'page_size', description: `must be at most ${MAX_PAGE_SIZE}` });
    const cursor = request.pageToken ? decodeCursor(request.pageToken) : undefined;
    if (cursor === null) violations.push({ field: 'page_token', description: 'is not a token this service returned' });
    if (violations.length > 0) throw new InvalidRequest(violations);
    const scope = await this.scopeOf(caller, request.providerId ?? '', metadata);
    const page = await usagePage(
      this.dataSource.manager,
      scope,
      { start, end },
      request.pageSize || DEFAULT_PAGE_SIZE,
      cursor ?? undefined,
    );
    return { lines: page.lines, totalBaseUnits: page.totalBaseUnits, nextPageToken: page.next ? encodeCursor(page.next) : '' };
  }

  private authenticate(metadata: Metadata | undefined): Caller {
    const key = apiKeyOf(metadata);
    if (key === undefined)
      throw new NotAuthenticated('missing API key: send "authorization: Bearer <key>" or "x-api-key: <key>"', 'API_KEY_MISSING');
    const caller = this.callers.callerOf(key);
    if (caller === undefined) throw new NotAuthenticated('unknown API key', 'API_KEY_INVALID');
    return caller;
  }

  private async scopeOf(caller: Caller, providerId: string, metadata: Metadata | undefined): Promise<UsageScope> {
    switch (caller.kind) {
      case 'tenant':
        if (providerId !== '')
          throw new NotPermitted(
            "tenant credentials read the tenant's own usage; provider earnings need the operator's key",
            'PROVIDER_USAGE_NOT_ALLOWED',
          );
        return { tenantId: caller.tenantId };
      case 'operator': {
        if (providerId === '')
          throw new InvalidRequest([
            { field: 'provider_id', description: 'required with operator credentials: the provider whose earnings to read' },
          ]);
        const operatorId = await operatorOfProvider(this.dataSource.manager, providerId);
        if (operatorId !== caller.operatorId)
          throw new NotPermitted(`provider ${providerId} does not belong to operator ${caller.operatorId}`, 'PROVIDER_NOT_OWNED');
        return { providerId };
      }
      case 'admin': {
        if (providerId !== '') return { providerId };
        const tenantId = tenantHeaderOf(metadata);
        return tenantId === undefined ? 'all' : { tenantId };
      }
      default: {
        const unknown: never = caller;
        throw new Error(`unknown caller ${JSON.stringify(unknown)}`);
      }
    }
  }
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.meteredAt.toISOString(), cursor.usageId]), 'utf8').toString('base64url');
}

/** The cursor, or null for a token this service did not write. */
function decodeCursor(token: string): PageCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'string') return null;
    const meteredAt = new Date(value[0]);
    return Number.isNaN(meteredAt.getTime()) ? null : { meteredAt, usageId: value[1] };
  } catch {
    return null;
  }
}
