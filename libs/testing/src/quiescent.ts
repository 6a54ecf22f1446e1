// Proving that something did not happen: instead of sleeping a fixed time and hoping the service
// would have acted by then, wait until it has nothing left to act on — its consumer group has
// consumed every topic to the end and its outbox is empty — and stays so. Whatever it would have
// written in answer to what it consumed is then in the log.

/** What `quiescent` reads: a consumer group's lag per partition (the EventLog port's admin). */
export interface LagSource {
  lag(groupId: string, topic: string): Promise<readonly { readonly lag: number }[]>;
}

import pg from 'pg';
import { databaseUrl } from './environment.js';

export interface QuiescenceOptions {
  readonly admin: LagSource;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** The service's schema (in DATABASE_URL's database unless `url` says otherwise): its `event_outbox` must be empty too. */
  readonly outbox?: { readonly schema: string; readonly url?: string };
  /** How long the group must stay caught up with an empty outbox (default 300 ms). */
  readonly settleMs?: number;
  readonly timeoutMs?: number;
}

/** Resolves once the group has no lag on any topic and the outbox is empty, twice `settleMs` apart. */
export async function quiescent(options: QuiescenceOptions): Promise<void> {
  const db = options.outbox ? new pg.Client({ connectionString: options.outbox.url ?? databaseUrl() }) : undefined;
  await db?.connect();
  try {
    await settle(options, db);
  } finally {
    await db?.end();
  }
}

async function settle(options: QuiescenceOptions, db: pg.Client | undefined): Promise<void> {
  const settleMs = options.settleMs ?? 300;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let calmSince: number | undefined;
  let last = '';
  for (;;) {
    const busy = await busyWith(options, db);
    if (busy === undefined) {
      calmSince ??= Date.now();
      if (Date.now() - calmSince >= settleMs) return;
    } else {
      calmSince = undefined;
      last = busy;
    }
    if (Date.now() > deadline) throw new Error(`${options.groupId} is not quiescent after ${options.timeoutMs ?? 30_000} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function busyWith(options: QuiescenceOptions, db: pg.Client | undefined): Promise<string | undefined> {
  for (const topic of options.topics) {
    const behind = (await options.admin.lag(options.groupId, topic)).reduce((sum, p) => sum + p.lag, 0);
    if (behind > 0) return `${behind} event(s) of ${topic} not consumed`;
  }
  if (options.outbox && db) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${options.outbox.schema}".event_outbox`);
    const pending = rows[0]?.n ?? 0;
    if (pending > 0) return `${pending} row(s) in ${options.outbox.schema}.event_outbox`;
  }
  return undefined;
}
