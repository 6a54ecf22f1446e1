// Wakes WatchJob streams when a job's history grows: one LISTEN connection per process, fanned
// out by job id. A missed notification (reconnect, another process's commit before LISTEN) costs
// at most one poll interval, because every waiter also wakes on a timer.
import pg from 'pg';
import { JOB_HISTORY_CHANNEL } from '../persistence/job-store.js';

interface FeedLogger {
  warn(message: string): void;
}

export class JobHistoryFeed {
  private readonly waiters = new Map<string, Set<() => void>>();
  private client: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly logger: FeedLogger,
  ) {}

  async start(): Promise<void> {
    this.closed = false;
    await this.connect();
  }

  /** Resolves when `jobId` gets a history entry or after `timeoutMs`; `cancel` resolves it now. */
  wait(jobId: string, timeoutMs: number): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake(), timeoutMs);
      wake = () => {
        clearTimeout(timer);
        const set = this.waiters.get(jobId);
        set?.delete(wake);
        if (set?.size === 0) this.waiters.delete(jobId);
        resolve();
      };
    });
    const set = this.waiters.get(jobId) ?? new Set();
    set.add(wake);
    this.waiters.set(jobId, set);
    return { promise, cancel: wake };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private everConnected = false;

  /** Another attempt in a second, for as long as the database is away and the feed is open. */
  private reconnectLater(): void {
    if (!this.closed)
      setTimeout(() => void this.connect().catch((error: Error) => this.logger.warn(`job history LISTEN: ${error.message}`)), 1000).unref();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (message) => {
      if (message.channel !== JOB_HISTORY_CHANNEL || !message.payload) return;
      for (const wake of [...(this.waiters.get(message.payload) ?? [])]) wake();
    });
    let failed = false;
    const reconnect = (error: Error): void => {
      if (failed) return;
      failed = true;
      this.logger.warn(`job history LISTEN connection failed (${error.message}); WatchJob falls back to polling until it reconnects`);
      void client.end().catch(() => undefined);
      if (this.client === client) this.client = undefined;
      this.reconnectLater();
    };
    client.on('error', reconnect);
    try {
      await client.connect();
      await client.query(`LISTEN ${JOB_HISTORY_CHANNEL}`);
    } catch (error) {
      // The first connection must work (start() fails otherwise); later ones retry until they do.
      if (this.client === undefined && this.everConnected) {
        reconnect(error as Error);
        return;
      }
      throw error;
    }
    this.everConnected = true;
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }
}
