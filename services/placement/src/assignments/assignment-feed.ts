// StreamAssignments on any instance: a provider's assignments and stop instructions from its cursor,
// then live. One feed per process follows the assignments table for every open stream at once:
// the leader hands it each committed cycle's items directly; every instance also LISTENs for the
// commit's NOTIFY and reads `seq > last` once for all its streams (a slow poll covers a missed
// notification). So the cost of live delivery does not grow with the number of open streams.
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, Inject } from '@nestjs/common';
import { api } from '@switchyard/contracts';
import pg from 'pg';
import { Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { PlacementConfig } from '../config.js';
import type { StreamItem } from '../engine/cycle.js';
import { schemaConnection } from '../persistence/placement-data-source.js';
import { rows } from '../persistence/sql.js';
import { InvalidRequest } from '../rejections.js';
import { PLACEMENT_CONFIG } from '../tokens.js';

const FALLBACK_POLL_MS = 5_000;
const PAGE = 5_000;

interface FeedItem {
  readonly seq: bigint;
  readonly item: StreamItem;
}

interface Subscriber {
  /** Undefined while the stream reads its start; items arriving meanwhile wait in `buffer`. */
  cursor: bigint | undefined;
  readonly buffer: FeedItem[];
  emit(item: FeedItem): void;
}

interface RawAssignment {
  seq: string;
  provider_id: string;
  job_id: string;
  attempt: number;
  kind: 'ASSIGN' | 'STOP';
  stop_reason: string | null;
  tier: string | null;
  spec: unknown;
  gang: unknown;
}

const COLUMNS = 'seq::text, provider_id, job_id, attempt, kind, stop_reason, tier, spec, gang';

@Injectable()
export class AssignmentFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AssignmentFeed');
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private lastSeq = 0n;
  private listener: pg.Client | undefined;
  private poll: NodeJS.Timeout | undefined;
  private fetching: Promise<void> | undefined;
  private fetchAgain = false;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(PLACEMENT_CONFIG) private readonly config: PlacementConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const [head] = await rows<{ seq: string }>(this.dataSource.manager, 'SELECT COALESCE(MAX(seq), 0)::text AS seq FROM assignments');
    this.lastSeq = BigInt(head?.seq ?? '0');
    await this.listen().catch((error: unknown) => {
      this.logger.warn(`LISTEN failed (${String(error)}); polling every ${FALLBACK_POLL_MS} ms until it works`);
      this.listenLater();
    });
    this.poll = setInterval(() => this.fetch(), FALLBACK_POLL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.poll);
    await this.listener?.end().catch(() => undefined);
    await this.fetching;
  }

  /** The leader's committed items, in seq order. */
  publish(items: readonly { seq: string; item: StreamItem }[]): void {
    for (const { seq, item } of items) this.dispatch({ seq: BigInt(seq), item });
  }

  stream(providerId: string, resumeCursor: string): Observable<api.StreamAssignmentsResponse> {
    if (resumeCursor !== '' && !/^\d{1,18}$/.test(resumeCursor)) {
      throw new InvalidRequest([{ field: 'resume_cursor', description: 'not a cursor this service returned' }]);
    }
    return new Observable<api.StreamAssignmentsResponse>((subscriber) => {
      const sub: Subscriber = {
        cursor: undefined,
        buffer: [],
        emit: (feed) => {
          if (sub.cursor !== undefined && feed.seq <= sub.cursor) return;
          sub.cursor = feed.seq;
          subscriber.next(responseOf(feed));
        },
      };
      let set = this.subscribers.get(providerId);
      if (set === undefined) this.subscribers.set(providerId, (set = new Set()));
      set.add(sub);
      void this.start(providerId, resumeCursor, sub).catch((error: unknown) => subscriber.error(error));
      return () => {
        set.delete(sub);
        if (set.size === 0) this.subscribers.delete(providerId);
      };
    });
  }

  /** The stream's first items (its open assignments, or everything after its cursor), then what arrived meanwhile. */
  private async start(providerId: string, resumeCursor: string, sub: Subscriber): Promise<void> {
    const manager = this.dataSource.manager;
    let first: FeedItem[];
    let cursor: bigint;
    if (resumeCursor === '') {
      const [head] = await rows<{ seq: string }>(
        manager,
        'SELECT COALESCE(MAX(seq), 0)::text AS seq FROM assignments WHERE provider_id = $1',
        [providerId],
      );
      cursor = BigInt(head?.seq ?? '0');
      first = (
        await rows<RawAssignment>(
          manager,
          `SELECT a.seq::text, a.provider_id, a.job_id, a.attempt, a.kind, a.stop_reason, a.tier, a.spec, a.gang
             FROM assignments a JOIN jobs j ON j.job_id = a.job_id AND j.attempt = a.attempt
                  AND (j.provider_id = a.provider_id OR j.gang_members @> jsonb_build_array(jsonb_build_object('providerId', a.provider_id)))
            WHERE a.provider_id = $1 AND a.kind = 'ASSIGN' AND a.seq <= $2 AND j.state IN ('PLACED', 'RUNNING')
            ORDER BY a.seq`,
          [providerId, cursor.toString()],
        )
      ).map(feedItemOf);
    } else {
      cursor = BigInt(resumeCursor);
      first = (
        await rows<RawAssignment>(manager, `SELECT ${COLUMNS} FROM assignments WHERE provider_id = $1 AND seq > $2 ORDER BY seq`, [
          providerId,
          resumeCursor,
        ])
      ).map(feedItemOf);
      if (first.length > 0) cursor = first[first.length - 1]!.seq;
    }
    for (const item of first) sub.emit(item);
    if (sub.cursor === undefined || cursor > sub.cursor) sub.cursor = cursor;
    for (const item of sub.buffer.splice(0)) sub.emit(item);
  }

  private dispatch(feed: FeedItem): void {
    if (feed.seq > this.lastSeq) this.lastSeq = feed.seq;
    for (const sub of this.subscribers.get(feed.item.providerId) ?? []) {
      if (sub.cursor === undefined) sub.buffer.push(feed);
      else sub.emit(feed);
    }
  }

  /** Reads what committed after the last item this process saw, for all its streams at once. */
  private fetch(): void {
    if (this.stopping) return;
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = (async () => {
      do {
        this.fetchAgain = false;
        for (;;) {
          const page = await rows<RawAssignment>(
            this.dataSource.manager,
            `SELECT ${COLUMNS} FROM assignments WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
            [this.lastSeq.toString()],
          );
          for (const raw of page) this.dispatch(feedItemOf(raw));
          if (page.length < PAGE) break;
        }
      } while (this.fetchAgain && !this.stopping);
    })()
      .catch((error: unknown) => this.logger.warn(`reading assignments failed: ${String(error)}`))
      .finally(() => (this.fetching = undefined));
  }

  /** Opens the LISTEN session again in a second, and again after that while the database is away. */
  private listenLater(): void {
    if (this.stopping) return;
    setTimeout(() => {
      void this.listen().catch((error: unknown) => {
        this.logger.warn(`LISTEN session: reconnecting failed (${String(error)}); trying again`);
        this.listenLater();
      });
    }, 1_000).unref();
  }

  private async listen(): Promise<void> {
    if (this.stopping) return;
    const client = new pg.Client(schemaConnection(this.config.databaseUrl, this.config.databaseSchema));
    let lost = false;
    const reconnect = (reason: string): void => {
      if (lost || this.stopping) return;
      lost = true;
      this.logger.warn(`LISTEN session lost (${reason}); streams poll every ${FALLBACK_POLL_MS} ms until it is back`);
      void client.end().catch(() => undefined);
      this.listenLater();
    };
    client.on('error', (error) => reconnect(error.message));
    client.on('end', () => reconnect('connection ended'));
    client.on('notification', (message) => {
      if (message.payload && BigInt(message.payload) <= this.lastSeq) return;
      this.fetch();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "placement_assignments_${this.config.databaseSchema}"`);
    } catch (error) {
      // The caller retries; this client's own events must not schedule a second attempt.
      lost = true;
      void client.end().catch(() => undefined);
      throw error;
    }
    this.listener = client;
    this.fetch();
  }
}

function feedItemOf(raw: RawAssignment): FeedItem {
  const item: StreamItem =
    raw.kind === 'STOP'
      ? { kind: 'STOP', providerId: raw.provider_id, jobId: raw.job_id, attempt: raw.attempt, reason: raw.stop_reason as api.StopReason }
      : {
          kind: 'ASSIGN',
          providerId: raw.provider_id,
          jobId: raw.job_id,
          attempt: raw.attempt,
          tier: raw.tier as api.Tier,
          spec: api.JobSpec.fromJSON(raw.spec),
          ...(raw.gang === null || raw.gang === undefined ? {} : { gang: api.GangAssignment.fromJSON(raw.gang) }),
        };
  return { seq: BigInt(raw.seq), item };
}

function responseOf({ seq, item }: FeedItem): api.StreamAssignmentsResponse {
  const cursor = seq.toString();
  if (item.kind === 'STOP') return { cursor, stop: { jobId: item.jobId, attempt: item.attempt, reason: item.reason } };
  return { cursor, assignment: { jobId: item.jobId, attempt: item.attempt, spec: item.spec, tier: item.tier, gang: item.gang } };
}
