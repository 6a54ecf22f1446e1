// StreamAssignments: a provider's assignments and stop instructions, from its cursor, then live.
// Live delivery: one LISTEN session per process wakes the streams of the provider named in a
// NOTIFY (sent at commit by the transaction that inserted the row); a slow poll covers a missed
// notification or a reconnect. Resuming with the last cursor received loses and repeats nothing.
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { api } from '@switchyard/contracts';
import pg from 'pg';
import { Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { PlacementConfig } from '../config.js';
import { ASSIGNMENTS_CHANNEL, itemsAfter, openAssignments, type StreamItem } from '../persistence/assignment-rows.js';
import { schemaConnection } from '../persistence/placement-data-source.js';
import { InvalidRequest, NotPermitted } from '../rejections.js';
import { PLACEMENT_CONFIG } from '../tokens.js';

const FALLBACK_POLL_MS = 1_000;

@Injectable()
export class AssignmentStream implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AssignmentStream');
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly open = new Set<() => void>();
  private listener: pg.Client | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(PLACEMENT_CONFIG) private readonly config: PlacementConfig,
  ) {}

  private stopping = false;

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const end of [...this.open]) end();
    await this.listener?.end().catch(() => undefined);
  }

  /** One LISTEN session; when it is lost, streams fall back to polling until it is back. */
  private async listen(): Promise<void> {
    const client = new pg.Client(schemaConnection(this.config.databaseUrl, this.config.databaseSchema));
    client.on('notification', (message) => {
      for (const wake of this.waiting.get(message.payload ?? '') ?? []) wake();
    });
    let lost = false;
    const reconnect = (reason: string): void => {
      if (lost || this.stopping) return;
      lost = true;
      this.logger.warn(`LISTEN session lost (${reason}); streams poll every ${FALLBACK_POLL_MS} ms until it is back`);
      this.listenLater();
    };
    client.on('error', (error) => reconnect(error.message));
    client.on('end', () => reconnect('connection ended'));
    await client.connect();
    await client.query(`LISTEN "${ASSIGNMENTS_CHANNEL}_${this.config.databaseSchema}"`);
    this.listener = client;
  }

  private listenLater(): void {
    if (this.stopping) return;
    setTimeout(() => void this.listen().catch(() => this.listenLater()), FALLBACK_POLL_MS).unref();
  }

  stream(callerProviderId: string, request: api.StreamAssignmentsRequest): Observable<api.StreamAssignmentsResponse> {
    if (request.providerId !== '' && request.providerId !== callerProviderId) {
      throw new NotPermitted(`provider_id ${request.providerId} is not the provider these credentials belong to`);
    }
    const resume = request.resumeCursor ?? '';
    if (resume !== '' && !/^\d{1,18}$/.test(resume)) {
      throw new InvalidRequest([{ field: 'resume_cursor', description: 'not a cursor this service returned' }]);
    }
    return new Observable<api.StreamAssignmentsResponse>((subscriber) => {
      let closed = false;
      let wake: (() => void) | undefined;
      let pending = false;
      const notify = (): void => {
        pending = true;
        wake?.();
      };
      const end = (): void => {
        closed = true;
        wake?.();
        subscriber.complete();
      };
      const waiters = this.waiting.get(callerProviderId) ?? new Set();
      this.waiting.set(callerProviderId, waiters.add(notify));
      this.open.add(end);
      const sleep = (): Promise<void> =>
        new Promise((resolve) => {
          if (pending || closed) return resolve();
          const timer = setTimeout(resolve, FALLBACK_POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });

      void (async () => {
        let cursor = resume;
        if (cursor === '') {
          const start = await openAssignments(this.dataSource.manager, callerProviderId);
          for (const item of start.items) subscriber.next(responseOf(item));
          cursor = start.cursor;
        }
        while (!closed) {
          pending = false;
          const items = await itemsAfter(this.dataSource.manager, callerProviderId, cursor);
          for (const item of items) {
            if (closed) return;
            subscriber.next(responseOf(item));
            cursor = item.seq;
          }
          if (items.length === 0) await sleep();
          wake = undefined;
        }
      })().catch((error: unknown) => {
        if (!closed) subscriber.error(error);
      });

      return () => {
        closed = true;
        wake?.();
        waiters.delete(notify);
        if (waiters.size === 0) this.waiting.delete(callerProviderId);
        this.open.delete(end);
      };
    });
  }
}

function responseOf(item: StreamItem): api.StreamAssignmentsResponse {
  if (item.kind === 'STOP') {
    return { cursor: item.seq, stop: { jobId: item.jobId, attempt: item.attempt, reason: item.reason } };
  }
  return { cursor: item.seq, assignment: { jobId: item.jobId, attempt: item.attempt, spec: item.spec, tier: item.tier } };
}
