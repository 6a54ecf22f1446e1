// Seeds N jobs of history while the services are stopped, straight into PostgreSQL in bulk:
// one real job of the empty-history run (the one with the longest history: submitted, classified,
// placed, started, completed) is the template, and every row it left — in each service's tables
// (intake, classifier, placement, metering, payout, their inboxes) and, on the PostgreSQL log,
// its events in `event_log` — is copied N times with server-side INSERT … SELECT. Every UUID of
// the job's own (its id, its events' ids) is replaced by a fresh one per copy, so keys stay
// unique and references stay consistent; the idempotency key gets a per-copy value; timestamps
// move back 1 ms per copy. On the PostgreSQL log the copies are appended at the end of the
// partitions their new key hashes to (the adapter's partitioner), the partitions' next offsets
// move past them, and every consumer group that had read to the end moves past them too: the
// history is in the log and already applied, as after a long run. Rows with a generated id
// (identity or sequence: ledger postings and entries) are not copied; the report says which.
// On Kafka the log itself is not seeded (only the projections): see the report's note.
import { randomUUID } from 'node:crypto';
import { partitionForKey } from '@switchyard/event-log';
import pg from 'pg';
import type { RunningSystem } from '../system.js';

const SCHEMAS = ['intake', 'classifier', 'placement', 'metering', 'payout'];
const SKIPPED_TABLES = /migrations|^event_outbox$|lease/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const CHUNK = 10_000;

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
    // The replacement of every owned UUID (the job's id by the copy's id, the others derived from it) and of the idempotency key.
    // Only what a column's template values contain is replaced in it: most columns need nothing.
    const replaced = (expr: string, values: readonly string[]): string => {
      let out = expr;
      const holds = (needle: string): boolean => values.some((v) => v.includes(needle));
      if (idem !== '' && holds(idem)) out = `replace(${out}, ${literal(idem)}, 'history-' || n.ord)`;
      for (const u of owned)
        if (holds(u))
          out = `replace(${out}, ${literal(u)}, ${u === jobId ? 'n.id::text' : `md5(${literal(u)} || n.id::text)::uuid::text`})`;
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
          column_default: string | null;
          is_identity: string;
          is_generated: string;
        }>(
          `SELECT column_name, data_type, column_default, is_identity, is_generated FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
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
        columns: columns.filter((c) => !generated(c)).map((c) => ({ name: c.column_name, type: c.data_type })),
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
      if (c.type === 'jsonb' || c.type === 'json') return `${replaced(`${col}::text`, values)}::${c.type}`;
      if (c.type.startsWith('timestamp')) return `${col} - n.ord * interval '1 millisecond'`;
      return col;
    };

    // The log: the job's events, by topic, with each topic's partition count.
    const logTopics = hasLog
      ? (
          await client.query<{ topic: string; partitions: number; n: string }>(
            `SELECT l.topic, t.partitions, count(*) AS n FROM public.event_log l JOIN public.event_log_topics t USING (topic) WHERE l.key = $1 GROUP BY 1, 2`,
            [jobId],
          )
        ).rows
      : [];
    if (hasLog) await client.query(`CREATE TEMP TABLE seed_template_log AS SELECT * FROM public.event_log WHERE key = $1`, [jobId]);
    const logValues = hasLog ? await columnValues('seed_template_log') : new Map<string, string[]>();
    const logColumn = (name: string, expr: string): string => replaced(expr, logValues.get(name) ?? []);

    const rowsPerJob: Record<string, number> = Object.fromEntries(templates.map((t) => [t.name, t.rows]));
    if (hasLog) rowsPerJob.event_log = logTopics.reduce((n, t) => n + Number(t.n), 0);
    log(
      `growth: seeding up to ${requested.toLocaleString('en-US')} jobs like ${jobId} (${Object.entries(rowsPerJob)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    );

    let jobs = 0;
    let limitedBy: string | undefined;
    while (jobs < requested) {
      if (Date.now() - started > budgetMs) {
        limitedBy = `the seeding budget of ${Math.round(budgetMs / 1000)} s`;
        break;
      }
      const count = Math.min(CHUNK, requested - jobs);
      const ids = Array.from({ length: count }, () => randomUUID());
      const ords = ids.map((_, i) => jobs + i + 1);
      await client.query('BEGIN');
      try {
        for (const t of templates) {
          // Triggers of a service's tables name its other tables unqualified.
          await client.query(`SET LOCAL search_path TO ${quoteIdent(t.name.split('.')[0]!)}, public`);
          await client.query(
            `INSERT INTO ${t.name.split('.').map(quoteIdent).join('.')} (${t.columns.map((c) => quoteIdent(c.name)).join(', ')})
             SELECT ${t.columns.map((c) => valueOf(c, t.values.get(c.name) ?? [])).join(', ')} FROM ${t.temp} t CROSS JOIN unnest($1::uuid[], $2::int[]) AS n(id, ord)`,
            [ids, ords],
          );
        }
        for (const topic of logTopics) {
          const parts = ids.map((id) => partitionForKey(id, topic.partitions));
          const ends = await client.query<{ partition: number; next_offset: string }>(
            'SELECT partition, next_offset FROM public.event_log_partitions WHERE topic = $1 ORDER BY partition FOR UPDATE',
            [topic.topic],
          );
          await client.query(
            `INSERT INTO public.event_log (topic, partition, "offset", key, headers, payload, appended_at)
             SELECT t.topic, n.part, p.next_offset + row_number() OVER (PARTITION BY n.part ORDER BY n.ord, t."offset") - 1,
                    ${logColumn('key', 't.key')}, ${logColumn('headers', 't.headers::text')}::jsonb, ${logColumn('payload', 't.payload')}, now()
             FROM seed_template_log t CROSS JOIN unnest($1::uuid[], $2::int[], $3::int[]) AS n(id, ord, part)
             JOIN public.event_log_partitions p ON p.topic = t.topic AND p.partition = n.part
             WHERE t.topic = $4`,
            [ids, ords, parts, topic.topic],
          );
          const perPartition = Number(topic.n);
          for (const end of ends.rows) {
            const added = parts.filter((p) => p === end.partition).length * perPartition;
            if (added === 0) continue;
            const next = (BigInt(end.next_offset) + BigInt(added)).toString();
            await client.query('UPDATE public.event_log_partitions SET next_offset = $3 WHERE topic = $1 AND partition = $2', [
              topic.topic,
              end.partition,
              next,
            ]);
            // Groups that had read everything have "applied" the history too.
            await client.query(
              'UPDATE public.event_log_group_offsets SET committed_offset = $4 WHERE topic = $1 AND partition = $2 AND committed_offset = $3',
              [topic.topic, end.partition, end.next_offset, next],
            );
          }
        }
        // Payout's deferred constraint trigger (a posting's entries sum to zero) runs at commit and names its tables unqualified.
        await client.query('SET LOCAL search_path TO payout, public');
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      jobs += count;
      if (jobs % 100_000 === 0 || jobs === requested)
        log(`growth: ${jobs.toLocaleString('en-US')} jobs seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    for (const t of templates) await client.query(`ANALYZE ${t.name.split('.').map(quoteIdent).join('.')}`);
    if (hasLog) await client.query('ANALYZE public.event_log');
    const seconds = (Date.now() - started) / 1000;
    log(
      `growth: ${jobs.toLocaleString('en-US')} jobs of history seeded in ${seconds.toFixed(0)} s${limitedBy ? ` (stopped by ${limitedBy})` : ''}`,
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
