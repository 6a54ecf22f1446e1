// GetJob, ListJobs and WatchJob: reads of the projection, scoped to the calling tenant.
import { Inject, Injectable } from '@nestjs/common';
import type { api } from '@switchyard/contracts';
import { Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { isTerminal } from '../domain/job-lifecycle.js';
import { atRest } from '../domain/settlement.js';
import { toTimestamp } from '../domain/submit-job.js';
import { JobStore } from '../persistence/job-store.js';
import { JobHistoryFeed } from '../watch/job-history-feed.js';
import { WATCH_POLL_INTERVAL_MS, WATCH_SETTLEMENT_WAIT_MS } from './tokens.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const HISTORY_BATCH = 100;

export interface JobPage {
  readonly jobs: api.Job[];
  readonly nextPageToken: string;
}

export interface ListJobsQuery {
  readonly tenantId: string;
  readonly states: readonly string[];
  readonly tiers: readonly string[];
  readonly pageSize: number;
  readonly pageToken: string;
}

/** The position a page token stands for: the last job of the previous page. */
interface PagePosition {
  readonly submittedAt: string;
  readonly id: string;
}

export class InvalidPageToken extends Error {}
export class InvalidCursor extends Error {}

@Injectable()
export class JobQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: JobStore,
    private readonly feed: JobHistoryFeed,
    @Inject(WATCH_POLL_INTERVAL_MS) private readonly pollIntervalMs: number,
    @Inject(WATCH_SETTLEMENT_WAIT_MS) private readonly settlementWaitMs: number,
  ) {}

  async get(tenantId: string, jobId: string): Promise<api.Job | undefined> {
    return (await this.store.find(this.dataSource.manager, jobId, { tenantId }))?.job;
  }

  async list(query: ListJobsQuery): Promise<JobPage> {
    const limit = query.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(query.pageSize, MAX_PAGE_SIZE);
    // A token carries the filters it was issued for: continuing with other filters would skip
    // or repeat jobs silently, so it is refused instead.
    const filters = filtersKey(query);
    const after = query.pageToken === '' ? undefined : decodePageToken(query.pageToken, filters);
    // One row more than asked tells whether another page exists without a count.
    const rows = await this.store.list(this.dataSource.manager, { ...query, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextPageToken = rows.length > limit && last ? encodePageToken({ submittedAt: last.submittedAt, id: last.id }, filters) : '';
    return { jobs: page.map((row) => row.job), nextPageToken };
  }

  /**
   * The job's history after `cursor`, then each new entry as it is applied; completes once the
   * job ended and its settlement is done (SETTLED, or nothing to bill). While an ended job's
   * settlement is still PENDING or METERED the stream stays open for its settlement entries, and
   * completes when none came for `settlementWaitMs`. Unsubscribing (the client cancelled) stops
   * the loop.
   */
  watch(jobId: string, cursor: string): Observable<api.WatchJobResponse> {
    const afterSeq = cursor === '' ? 0 : decodeCursor(cursor);
    return new Observable<api.WatchJobResponse>((subscriber) => {
      let cancelWait: (() => void) | undefined;
      const stream = async (): Promise<void> => {
        let seq = afterSeq;
        // When the stream last saw the job ended and still settling (a wall-clock wait of the
        // stream itself, not a decision).
        let settlingSince: number | undefined;
        while (!subscriber.closed) {
          const entries = await this.store.historyAfter(this.dataSource.manager, jobId, seq, HISTORY_BATCH);
          for (const entry of entries) {
            if (subscriber.closed) return;
            subscriber.next({
              cursor: encodeCursor(entry.seq),
              eventType: entry.eventType,
              occurredAt: toTimestamp(entry.occurredAt),
              job: entry.job,
              detail: entry.detail,
            });
            seq = entry.seq;
            if (atRest(entry.job)) return subscriber.complete();
            if (isTerminal(entry.job.state)) settlingSince = Date.now();
          }
          if (entries.length === HISTORY_BATCH) continue;
          // Resumed after the last entry of a job that already ended: is anything more to come?
          if (entries.length === 0 && seq > 0 && settlingSince === undefined) {
            const now = await this.store.find(this.dataSource.manager, jobId);
            if (now && atRest(now.job)) return subscriber.complete();
            if (now && isTerminal(now.job.state)) settlingSince = Date.now();
          }
          const left = settlingSince === undefined ? this.pollIntervalMs : this.settlementWaitMs - (Date.now() - settlingSince);
          if (left <= 0) return subscriber.complete();
          const wait = this.feed.wait(jobId, Math.min(this.pollIntervalMs, left));
          cancelWait = wait.cancel;
          await wait.promise;
        }
      };
      stream().catch((error: unknown) => subscriber.error(error));
      return () => cancelWait?.();
    });
  }
}

function filtersKey(query: ListJobsQuery): string {
  return `${[...new Set(query.states)].sort().join(',')}|${[...new Set(query.tiers)].sort().join(',')}`;
}

function encodePageToken(position: PagePosition, filters: string): string {
  return Buffer.from(JSON.stringify([position.submittedAt, position.id, filters])).toString('base64url');
}

function decodePageToken(token: string, filters: string): PagePosition {
  let parsed: unknown[] | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
  } catch {
    parsed = undefined;
  }
  const [submittedAt, id, issuedFor] = Array.isArray(parsed) ? parsed : [];
  if (typeof submittedAt !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(submittedAt)) || !UUID.test(id)) {
    throw new InvalidPageToken('page_token is not a token from a previous ListJobs response');
  }
  if (issuedFor !== filters)
    throw new InvalidPageToken('page_token was issued for other states or tiers: repeat the filters of the first page');
  return { submittedAt, id };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isJobId = (value: string): boolean => UUID.test(value);

function encodeCursor(seq: number): string {
  return Buffer.from(`h${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^h([1-9]\d{0,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidCursor('resume_cursor is not a cursor from a previous WatchJob update');
  return Number(match[1]);
}
