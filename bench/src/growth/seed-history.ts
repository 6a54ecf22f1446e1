// Seeds N jobs of history while the services are stopped, straight into PostgreSQL in bulk:
// one real job of the empty-history run (the one with the longest history: submitted, classified,
// placed, started, completed) is the template, and every row it left — in each service's tables
// (intake, classifier, placement, metering, payout, their inboxes) and, on the PostgreSQL log,
// its events in `event_log` — is copied N times with server-side INSERT … SELECT. Every UUID of
// the job's own (its id, its events' ids; in text, uuid, jsonb and array columns) is replaced by a
// fresh one per copy, so keys stay unique and references stay consistent; the idempotency key
// gets a per-copy value; timestamps move back 1 ms per copy. On the PostgreSQL log the copies are
// appended at the end of the partitions their new key hashes to (the adapter's partitioner), the
// partitions' next offsets move past them, and every consumer group that had read to the end
// moves past them too: the history is in the log and already applied, as after a long run. The
// running totals kept beside the rows (account balances, a tenant's spend in the open epoch
// window, a capped tenant's committed worst case) move by what the copies add. Rows with a
// generated id (identity or sequence) referenced by other tables are not copied; the report says
// which. On Kafka the log itself is not seeded (only the projections): see the report's note.
//
// Speed: chunks of CHUNK copies; per chunk the copies' replacement ids are computed once (one
// md5 per owned UUID per copy, in a temporary table the inserts join); the first chunk runs with
// every trigger and foreign key checked, the rest with per-row triggers and foreign-key checks off
// (they are the same statements over other fresh ids) on WORKERS sessions at once, the log
// offsets handed out here so that chunks need not wait for each other.
import { randomUUID } from 'node:crypto';
import { partitionForKey } from '@switchyard/event-log';
import pg from 'pg';
import type { RunningSystem } from '../system.js';

const SCHEMAS = ['intake', 'classifier', 'placement', 'metering', 'payout'];
const SKIPPED_TABLES = /migrations|^event_outbox$|lease/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const CHUNK = 10_000;
/** Sessions writing chunks at once (after the first chunk). */
const WORKERS = 2;

export interface SeedFigures {
  readonly backend: string;
  readonly requested: number;
  readonly jobs: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  /** Rows copied per job, per table (`schema.table`); the log as `event_log`. */
  readonly rowsPerJob: Record<string, number>;
  readonly notCopied: readonly string[];
  /** Why fewer jobs than asked were seeded, if they were. */
  readonly limitedBy?: string;
  readonly logSeeded: boolean;
}

interface TableTemplate {
  readonly name: string;
  readonly temp: string;
  readonly columns: readonly { name: string; type: string }[];
  readonly rows: number;
  readonly values: ReadonlyMap<string, readonly string[]>;
  /** The template rows, as a JSON array (each writing session makes its own temporary copy). */
  readonly json: string;
}

const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export async function seedHistory(
  system: RunningSystem,
  requested: number,
  budgetMs: number,
  log: (m: string) => void,
): Promise<SeedFigures> {
  const started = Date.now();
  const client = new pg.Client({ connectionString: system.databaseUrl });
  await client.connect();
  try {
    const template = await client.query<{ job_id: string }>(
      'SELECT job_id::text FROM intake.job_history GROUP BY job_id ORDER BY count(*) DESC, min(occurred_at) LIMIT 1',
    );
    const jobId = template.rows[0]?.job_id;
    if (!jobId) throw new Error('no job in intake.job_history to copy: the empty-history run placed nothing');
    const idem =
      (await client.query<{ idempotency_key: string }>('SELECT idempotency_key FROM intake.jobs WHERE id = $1', [jobId])).rows[0]
        ?.idempotency_key ?? '';

    // Every table of the services, the rows the template job left in it.
    const tables = (
      await client.query<{ table_schema: string; table_name: string }>(
        `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
        [SCHEMAS],
      )
    ).rows.filter((t) => !SKIPPED_TABLES.test(t.table_name));
    // UUIDs of providers and operators are shared by many jobs: they stay as they are.
    const shared = new Set<string>();
    for (const t of tables.filter((t) => /provider|operator/.test(t.table_name))) {
      const { rows } = await client.query<{ t: string }>(
        `SELECT t::text AS t FROM ${quoteIdent(t.table_schema)}.${quoteIdent(t.table_name)} t`,
      );
      for (const r of rows) for (const u of r.t.match(UUID) ?? []) shared.add(u);
    }
    const owned = new Set<string>([jobId]);
    const hasLog =
      system.backend === 'postgres' && (await client.query(`SELECT to_regclass('public.event_log') IS NOT NULL AS ok`)).rows[0].ok === true;
    const logTexts = hasLog
      ? (await client.query<{ t: string }>(`SELECT l::text AS t FROM public.event_log l WHERE key = $1`, [jobId])).rows.map((r) => r.t)
      : [];
    for (const text of logTexts) for (const u of text.match(UUID) ?? []) if (!shared.has(u)) owned.add(u);
    // Rows naming the job, then rows naming its events (inbox records name only the event id).
    for (let round = 0; round < 2; round++) {
      const pattern = [...owned].join('|');
      for (const t of tables) {
        const { rows } = await client.query<{ t: string }>(
          `SELECT t::text AS t FROM ${quoteIdent(t.table_schema)}.${quoteIdent(t.table_name)} t WHERE t::text ~ $1`,
          [pattern],
        );
        for (const r of rows) for (const u of r.t.match(UUID) ?? []) if (!shared.has(u)) owned.add(u);
      }
    }
    const pattern = [...owned].join('|');
    // Per copy, every owned UUID gets its replacement once, in a per-chunk table (`n`): the job's id
    // by the copy's id (`n.jid`), each other one by md5(it || copy id) (`n.d<i>`). Columns then
    // replace by joining it, not by hashing per row and column.
    const ownedList = [...owned];
    const substitute = (u: string): string => (u === jobId ? 'n.jid' : `n.d${ownedList.indexOf(u)}`);
    // Only what a column's template values contain is replaced in it: most columns need nothing.
    const replaced = (expr: string, values: readonly string[]): string => {
      let out = expr;
      const holds = (needle: string): boolean => values.some((v) => v.includes(needle));
      if (idem !== '' && holds(idem)) out = `replace(${out}, ${literal(idem)}, 'history-' || n.jid)`;
      for (const u of ownedList) if (holds(u)) out = `replace(${out}, ${literal(u)}, ${substitute(u)})`;
      return out;
    };
    const columnValues = async (temp: string): Promise<Map<string, string[]>> => {
      const values = new Map<string, string[]>();
      const { rows } = await client.query<{ r: Record<string, unknown> }>(`SELECT to_jsonb(t) AS r FROM ${temp} t`);
      for (const { r } of rows)
        for (const [k, v] of Object.entries(r)) values.set(k, [...(values.get(k) ?? []), typeof v === 'string' ? v : JSON.stringify(v)]);
      return values;
    };

    const templates: TableTemplate[] = [];
    const notCopied: string[] = [];
    for (const [i, t] of tables.entries()) {
      const name = `${t.table_schema}.${t.table_name}`;
      const columns = (
        await client.query<{
          column_name: string;
          data_type: string;
          udt_name: string;
          column_default: string | null;
          is_identity: string;
          is_generated: string;
        }>(
          `SELECT column_name, data_type, udt_name, column_default, is_identity, is_generated FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
          [t.table_schema, t.table_name],
        )
      ).rows;
      const temp = `seed_template_${i}`;
      await client.query(
        `CREATE TEMP TABLE ${temp} AS SELECT * FROM ${quoteIdent(t.table_schema)}.${quoteIdent(t.table_name)} t WHERE t::text ~ $1`.replace(
          '$1',
          literal(pattern),
        ),
      );
      const rows = Number((await client.query(`SELECT count(*) AS n FROM ${temp}`)).rows[0].n);
      if (rows === 0) continue;
      const generated = (c: (typeof columns)[number]): boolean =>
        c.is_identity === 'YES' || (c.column_default ?? '').startsWith('nextval(') || c.is_generated === 'ALWAYS';
      // A generated id is left to its sequence, unless another table refers to the row by it.
      if (columns.some(generated)) {
        const referenced = await client.query(`SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = $1::regclass LIMIT 1`, [
          `${quoteIdent(t.table_schema)}.${quoteIdent(t.table_name)}`,
        ]);
        if (referenced.rows.length > 0) {
          notCopied.push(`${name} (${rows} row(s) a job, referenced by generated ids)`);
          continue;
        }
      }
      templates.push({
        name,
        temp,
        rows,
        values: await columnValues(temp),
        json: JSON.stringify((await client.query<{ r: unknown }>(`SELECT to_jsonb(t) AS r FROM ${temp} t`)).rows.map((r) => r.r)),
        columns: columns
          .filter((c) => !generated(c))
          .map((c) => ({ name: c.column_name, type: c.data_type === 'ARRAY' ? `${c.udt_name.replace(/^_/, '')}[]` : c.data_type })),
      });
    }
    // Parents before children: a copy's foreign keys point at copies inserted earlier in the chunk.
    const fks = (
      await client.query<{ child: string; parent: string }>(
        `SELECT cn.nspname || '.' || c.relname AS child, pn.nspname || '.' || p.relname AS parent
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
         JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE k.contype = 'f' AND cn.nspname = ANY($1)`,
        [SCHEMAS],
      )
    ).rows;
    templates.splice(0, templates.length, ...parentsFirst(templates, fks));
    const valueOf = (c: { name: string; type: string }, values: readonly string[]): string => {
      const col = `t.${quoteIdent(c.name)}`;
      if (c.type === 'uuid') return `${replaced(`${col}::text`, values)}::uuid`;
      if (c.type === 'text' || c.type === 'character varying') return replaced(col, values);
      if (c.type === 'jsonb' || c.type === 'json' || c.type.endsWith('[]')) {
        const expr = replaced(`${col}::text`, values);
        return expr === `${col}::text` ? col : `${expr}::${c.type}`;
      }
      if (c.type.startsWith('timestamp')) return `${col} - n.ord * interval '1 millisecond'`;
      return col;
    };

    // The log: the job's events, by topic, with each topic's partition count, and where each partition ends now.
    const logTopics = hasLog
      ? (
          await client.query<{ topic: string; partitions: number; n: string }>(
            `SELECT l.topic, t.partitions, count(*) AS n FROM public.event_log l JOIN public.event_log_topics t USING (topic) WHERE l.key = $1 GROUP BY 1, 2 ORDER BY 1`,
            [jobId],
          )
        ).rows
      : [];
    const ends = new Map<string, bigint[]>();
    for (const topic of logTopics) {
      const { rows } = await client.query<{ partition: number; next_offset: string }>(
        'SELECT partition, next_offset FROM public.event_log_partitions WHERE topic = $1 ORDER BY partition',
        [topic.topic],
      );
      const offsets = Array.from({ length: topic.partitions }, () => 0n);
      for (const r of rows) offsets[r.partition] = BigInt(r.next_offset);
      ends.set(topic.topic, offsets);
    }
    const startEnds = new Map([...ends].map(([k, v]) => [k, [...v]]));
    // A group still behind the end when the services stopped is not moved: it has real events
    // left to read before the copies, and will read the copies after them (its inbox skips them).
    if (logTopics.length > 0) {
      const behind = await client.query<{ group_id: string; topic: string; lag: string }>(
        `SELECT o.group_id, o.topic, sum(p.next_offset - o.committed_offset)::text AS lag
         FROM public.event_log_group_offsets o JOIN public.event_log_partitions p USING (topic, partition)
         WHERE o.topic = ANY($1) AND o.committed_offset < p.next_offset GROUP BY 1, 2 ORDER BY 1, 2`,
        [logTopics.map((t) => t.topic)],
      );
      if (behind.rows.length > 0)
        log(
          `growth: group(s) behind the end of the log when seeding started, not moved past the copies: ${behind.rows
            .map((r) => `${r.group_id} on ${r.topic} by ${r.lag}`)
            .join(', ')}`,
        );
    }
    if (hasLog) await client.query(`CREATE TEMP TABLE seed_template_log AS SELECT * FROM public.event_log WHERE key = $1`, [jobId]);
    const logValues = hasLog ? await columnValues('seed_template_log') : new Map<string, string[]>();
    const logJson = hasLog
      ? JSON.stringify((await client.query<{ r: unknown }>(`SELECT to_jsonb(t) AS r FROM seed_template_log t`)).rows.map((r) => r.r))
      : '[]';
    const logColumn = (name: string, expr: string): string => replaced(expr, logValues.get(name) ?? []);

    const rowsPerJob: Record<string, number> = Object.fromEntries(templates.map((t) => [t.name, t.rows]));
    if (hasLog) rowsPerJob.event_log = logTopics.reduce((n, t) => n + Number(t.n), 0);
    log(
      `growth: seeding up to ${requested.toLocaleString('en-US')} jobs like ${jobId} (${Object.entries(rowsPerJob)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    );

    // The statements of one chunk, prepared once: every chunk runs the same ones with other ids.
    const idsTable = `CREATE TEMP TABLE seed_ids ON COMMIT DROP AS SELECT o.ord, o.id, o.id::text AS jid${ownedList
      .map((u, k) => (u === jobId ? '' : `, md5(${literal(u)} || o.id::text)::uuid::text AS d${k}`))
      .join('')} FROM unnest($1::uuid[], $2::int[]) AS o(id, ord)`;
    const inserts = templates.map(
      (t) =>
        `INSERT INTO ${t.name.split('.').map(quoteIdent).join('.')} (${t.columns.map((c) => quoteIdent(c.name)).join(', ')})
         SELECT ${t.columns.map((c) => valueOf(c, t.values.get(c.name) ?? [])).join(', ')} FROM ${t.temp} t CROSS JOIN seed_ids n`,
    );
    // Each copy's events of a topic are consecutive in the partition its key hashes to, from `base`.
    const logInsert = `INSERT INTO public.event_log (topic, partition, "offset", key, headers, payload, appended_at)
       SELECT t.topic, p.part, p.base + t.rank, ${logColumn('key', 't.key')}, ${logColumn('headers', 't.headers::text')}::jsonb,
              ${logColumn('payload', 't.payload')}, now()
       FROM seed_template_log t JOIN unnest($1::text[], $2::int[], $3::int[], $4::bigint[]) AS p(topic, ord, part, base) ON p.topic = t.topic
       JOIN seed_ids n ON n.ord = p.ord`;

    // A session of its own: the templates are its temporary tables (copied from the rows found above).
    const openSession = async (): Promise<pg.Client> => {
      const session = new pg.Client({ connectionString: system.databaseUrl });
      await session.connect();
      for (const t of templates)
        await session.query(
          `CREATE TEMP TABLE ${t.temp} AS SELECT * FROM jsonb_populate_recordset(NULL::${t.name.split('.').map(quoteIdent).join('.')}, $1::jsonb)`,
          [t.json],
        );
      if (hasLog)
        await session.query(
          `CREATE TEMP TABLE seed_template_log AS SELECT l.*, row_number() OVER (PARTITION BY l.topic ORDER BY l."offset") - 1 AS rank
           FROM jsonb_populate_recordset(NULL::public.event_log, $1::jsonb) l`,
          [logJson],
        );
      return session;
    };
    const seedChunk = async (session: pg.Client, first: number, count: number): Promise<void> => {
      const ids = Array.from({ length: count }, () => randomUUID());
      const ords = ids.map((_, i) => first + i + 1);
      // Offsets are handed out here, copy by copy, so that chunks can be written concurrently.
      const logTopicsCol: string[] = [];
      const logOrds: number[] = [];
      const logParts: number[] = [];
      const logBases: string[] = [];
      for (const topic of logTopics) {
        const offsets = ends.get(topic.topic)!;
        const perCopy = BigInt(topic.n);
        ids.forEach((id, i) => {
          const part = partitionForKey(id, topic.partitions);
          logTopicsCol.push(topic.topic);
          logOrds.push(ords[i]!);
          logParts.push(part);
          logBases.push(offsets[part]!.toString());
          offsets[part] = offsets[part]! + perCopy;
        });
      }
      await session.query('BEGIN');
      try {
        await session.query(idsTable, [ids, ords]);
        for (const [i, t] of templates.entries()) {
          // Triggers of a service's tables name its other tables unqualified.
          await session.query(`SET LOCAL search_path TO ${quoteIdent(t.name.split('.')[0]!)}, public`);
          await session.query(inserts[i]!);
        }
        if (logTopics.length > 0) await session.query(logInsert, [logTopicsCol, logOrds, logParts, logBases]);
        // Payout's deferred constraint trigger (a posting's entries sum to zero) runs at commit and names its tables unqualified.
        await session.query('SET LOCAL search_path TO payout, public');
        await session.query('COMMIT');
      } catch (error) {
        await session.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    };

    let jobs = 0;
    let claimed = 0;
    let limitedBy: string | undefined;
    const claim = (): { first: number; count: number } | undefined => {
      if (claimed >= requested) return undefined;
      if (Date.now() - started > budgetMs) {
        limitedBy ??= `the seeding budget of ${Math.round(budgetMs / 1000)} s`;
        return undefined;
      }
      const chunk = { first: claimed, count: Math.min(CHUNK, requested - claimed) };
      claimed += chunk.count;
      return chunk;
    };
    const done = (count: number): void => {
      const before = jobs;
      jobs += count;
      if (Math.floor(jobs / 100_000) > Math.floor(before / 100_000) || jobs === requested)
        log(`growth: ${jobs.toLocaleString('en-US')} jobs seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    };
    // The first chunk runs alone with every trigger and foreign key checked: a substitution that
    // broke a reference or a posting's balance fails here. The chunks after it are the same
    // statements over other fresh ids, so they run with per-row triggers and foreign-key checks
    // off (session_replication_role = replica, when the role may set it) on WORKERS sessions at once.
    const firstSession = await openSession();
    const sessions = [firstSession];
    try {
      const first = claim();
      if (first) {
        await seedChunk(firstSession, first.first, first.count);
        done(first.count);
      }
      for (let i = 1; i < WORKERS; i++) sessions.push(await openSession());
      let replica = true;
      for (const session of sessions)
        await session.query('SET session_replication_role = replica').catch((error: unknown) => {
          replica = false;
          log(`growth: triggers stay on while seeding (${error instanceof Error ? error.message : String(error)})`);
        });
      if (!replica) for (const session of sessions) await session.query('SET session_replication_role = DEFAULT');
      let failure: unknown;
      await Promise.all(
        sessions.map(async (session) => {
          for (let chunk = claim(); chunk && failure === undefined; chunk = claim()) {
            try {
              await seedChunk(session, chunk.first, chunk.count);
              done(chunk.count);
            } catch (error) {
              failure ??= error;
            }
          }
        }),
      );
      if (failure !== undefined) throw failure;
    } finally {
      for (const session of sessions) await session.end().catch(() => undefined);
    }

    // What a long run would have left beside the rows: the log's partitions end after the copies,
    // groups that had read to the end have read them too, and the running totals count them.
    await client.query('BEGIN');
    try {
      for (const topic of logTopics) {
        const before = startEnds.get(topic.topic)!;
        const after = ends.get(topic.topic)!;
        for (let part = 0; part < after.length; part++) {
          if (after[part] === before[part]) continue;
          const [from, to] = [before[part]!.toString(), after[part]!.toString()];
          await client.query('UPDATE public.event_log_partitions SET next_offset = $3 WHERE topic = $1 AND partition = $2', [
            topic.topic,
            part,
            to,
          ]);
          await client.query(
            'UPDATE public.event_log_group_offsets SET committed_offset = $4 WHERE topic = $1 AND partition = $2 AND committed_offset = $3',
            [topic.topic, part, from, to],
          );
        }
      }
      if (jobs > 0) await addRunningTotals(client, templates, jobs, log);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    for (const t of templates) await client.query(`ANALYZE ${t.name.split('.').map(quoteIdent).join('.')}`);
    if (hasLog) await client.query('ANALYZE public.event_log');
    const seconds = (Date.now() - started) / 1000;
    log(
      `growth: ${jobs.toLocaleString('en-US')} jobs of history seeded in ${seconds.toFixed(0)} s (${Math.round(jobs / seconds).toLocaleString('en-US')} jobs/s)${limitedBy ? ` (stopped by ${limitedBy})` : ''}`,
    );
    return {
      backend: system.backend,
      requested,
      jobs,
      seconds,
      jobsPerSecond: jobs / seconds,
      rowsPerJob,
      notCopied,
      logSeeded: hasLog,
      ...(limitedBy ? { limitedBy } : {}),
    };
  } finally {
    await client.end();
  }
}

/**
 * The running totals the services keep beside their rows, moved as the copies would have moved
 * them: account balances by the template's entries per copy, a tenant's spend in the open epoch
 * window and its committed worst case by the copies that fall in the window (copy `ord` is
 * `ord` ms older than the template).
 */
async function addRunningTotals(
  client: pg.Client,
  templates: readonly TableTemplate[],
  jobs: number,
  log: (m: string) => void,
): Promise<void> {
  const has = (name: string): boolean => templates.some((t) => t.name === name);
  const temp = (name: string): string => templates.find((t) => t.name === name)!.temp;
  if (has('payout.ledger_entries')) {
    const { rowCount } = await client.query(
      `INSERT INTO payout.ledger_balances (account_id, balance)
       SELECT account_id, sum(amount) * $1::numeric FROM ${temp('payout.ledger_entries')} GROUP BY account_id
       ON CONFLICT (account_id) DO UPDATE SET balance = payout.ledger_balances.balance + EXCLUDED.balance`,
      [jobs],
    );
    log(`growth: ${rowCount ?? 0} account balance(s) moved by the copies' entries`);
  }
  if (has('payout.ledger_usage'))
    await client.query(
      `INSERT INTO payout.payout_tenant_spend (tenant_id, window_start, spent)
       SELECT u.tenant_id, w.start, sum(u.charge * c.n)
       FROM ${temp('payout.ledger_usage')} u,
            (SELECT coalesce((SELECT cutoff FROM payout.payout_epochs ORDER BY seq DESC LIMIT 1), 'epoch'::timestamptz) AS start) w,
            LATERAL (SELECT count(*) AS n FROM generate_series(1, $1::int) o WHERE u.metered_at - o * interval '1 millisecond' >= w.start) c
       WHERE c.n > 0 GROUP BY u.tenant_id, w.start
       ON CONFLICT (tenant_id, window_start) DO UPDATE SET spent = payout.payout_tenant_spend.spent + EXCLUDED.spent`,
      [jobs],
    );
  if (has('intake.jobs'))
    await client.query(
      `UPDATE intake.spending_commitments s SET committed_base_units = s.committed_base_units + a.amount
       FROM (SELECT j.tenant_id, sum(j.worst_case_base_units * c.n) AS amount
             FROM ${temp('intake.jobs')} j JOIN intake.spending_commitments s2 ON s2.tenant_id = j.tenant_id,
                  LATERAL (SELECT count(*) AS n FROM generate_series(1, $1::int) o WHERE j.submitted_at - o * interval '1 millisecond' > s2.window_start) c
             WHERE j.state NOT IN ('JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED') GROUP BY j.tenant_id) a
       WHERE s.tenant_id = a.tenant_id`,
      [jobs],
    );
}

/** `tables` ordered so that every table comes after the tables its foreign keys reference. */
export function parentsFirst<T extends { name: string }>(tables: readonly T[], fks: readonly { child: string; parent: string }[]): T[] {
  const ordered: T[] = [];
  const placed = new Set<string>();
  const visit = (table: T, path: Set<string>): void => {
    if (placed.has(table.name) || path.has(table.name)) return;
    path.add(table.name);
    for (const fk of fks) {
      if (fk.child !== table.name || fk.parent === table.name) continue;
      const parent = tables.find((t) => t.name === fk.parent);
      if (parent) visit(parent, path);
    }
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

/**
 * Waits (up to `timeoutMs`) until no consumer group with a live member is behind the end of the
 * PostgreSQL log: the services have applied everything the empty-history run wrote, so the seeder
 * can move every group past the copies. Resolves with what is still behind (empty when settled).
 */
export async function waitForLiveGroups(system: RunningSystem, timeoutMs: number): Promise<string[]> {
  if (system.backend !== 'postgres') return [];
  const client = new pg.Client({ connectionString: system.databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ group_id: string; topic: string; lag: string }>(
        `SELECT o.group_id, o.topic, sum(p.next_offset - o.committed_offset)::text AS lag
         FROM public.event_log_group_offsets o JOIN public.event_log_partitions p USING (topic, partition)
         WHERE o.committed_offset < p.next_offset
           AND EXISTS (SELECT 1 FROM public.event_log_group_members m
                        WHERE m.group_id = o.group_id AND m.heartbeat_at > now() - interval '5 seconds')
         GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      const behind = rows.map((r) => `${r.group_id} on ${r.topic} by ${r.lag}`);
      if (behind.length === 0 || Date.now() >= deadline) return behind;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await client.end();
  }
}
