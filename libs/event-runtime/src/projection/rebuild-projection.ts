// Rebuilds a projection from the log: its tables are created fresh by the service's own
// migrations in a staging schema, every event of its topics is folded into them with the
// projection's `apply` (deduplicated by event id, as the live inbox does), and then one
// transaction locks the live tables, folds what arrived meanwhile (and what the service committed
// to its outbox but has not published yet), carries the inbox claims over and swaps the fresh
// tables in. Readers and writers see the old tables or the new ones, never a mix; the old ones
// are kept in a `<schema>_retired_…` schema unless asked to drop them. See docs/event-runtime.md.
import type { EventLog, LoggedEvent } from '@switchyard/event-log';
import pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { PostgresInbox } from '../inbox/inbox.js';
import { withSearchPath } from '../service-environment.js';
import type { Projection } from './projection.js';

export interface RebuildProjectionOptions {
  readonly projection: Projection;
  readonly eventLog: EventLog;
  /** The service's database; any search_path set in it is replaced. */
  readonly databaseUrl: string;
  /** The service's schema, holding the live tables. */
  readonly schema: string;
  /** The live consumer group whose inbox claims move with the tables. */
  readonly consumerGroup: string;
  readonly topicPrefix: string;
  /** Drop the replaced tables after the swap instead of keeping them in the retired schema. */
  readonly dropRetired?: boolean;
  /**
   * Swap even if some events failed to apply (the report lists them), as the live consumer
   * dead-letters such events and moves on. Without it the first failure stops the rebuild and
   * nothing is swapped.
   */
  readonly skipFailed?: boolean;
  /** Names the retired schema; default now. */
  readonly now?: Date;
  /** How long the swap waits for the live tables' locks before it tries again; default 10 s. */
  readonly lockTimeoutMs?: number;
  /** Events read so far and the number expected (which grows when events arrive during the rebuild). */
  readonly onProgress?: (read: number, total: number) => void;
}

export interface RebuildFailure {
  readonly id: string;
  readonly type: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly error: string;
}

export interface RebuildReport {
  readonly projection: string;
  readonly schema: string;
  readonly consumerGroup: string;
  /** Where the replaced tables are now; null when they were dropped. */
  readonly retiredSchema: string | null;
  readonly tables: readonly { readonly table: string; readonly rows: number }[];
  readonly events: {
    /** Events read from the log. */
    readonly read: number;
    readonly applied: number;
    /** Applied, but the projection had nothing to change (the reasons are sampled below). */
    readonly unchanged: number;
    /** The same event id seen again (a relay's retried append, a re-drive): applied once. */
    readonly duplicates: number;
    /** Events of other types on the projection's topics. */
    readonly notFolded: number;
    /** Events the service had committed to its outbox but not yet published. */
    readonly fromOutbox: number;
    readonly failed: number;
  };
  /** Up to 20 reasons events changed nothing, with how often each occurred. */
  readonly unchangedReasons: readonly { readonly reason: string; readonly count: number }[];
  /** Up to 100 events that failed to apply (only with skipFailed). */
  readonly failures: readonly RebuildFailure[];
  /** Per topic and partition, the offset the fresh tables are folded up to (exclusive). */
  readonly through: readonly { readonly topic: string; readonly partition: number; readonly offset: string }[];
  /** Folding passes before the swap, and attempts at the swap. */
  readonly passes: number;
  readonly swapAttempts: number;
  /** How long the swap held the live tables' locks (their readers and writers waited). */
  readonly writesPausedMs: number;
}

export type RebuildErrorKind = 'not-found' | 'busy' | 'unavailable' | 'incompatible' | 'failed-event';

export class ProjectionRebuildError extends Error {
  constructor(
    readonly kind: RebuildErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProjectionRebuildError';
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const BATCH = 500;
/** Fold again outside the locks while more than this many events arrived during the last pass. */
const CATCH_UP_THRESHOLD = 200;
const MAX_PASSES = 5;
const MAX_SWAP_ATTEMPTS = 5;

/** Per topic, per partition: the next offset to fold. */
type Positions = Map<string, Map<number, bigint>>;

export async function rebuildProjection(options: RebuildProjectionOptions): Promise<RebuildReport> {
  const { projection, schema } = options;
  for (const name of [schema, ...projection.tables]) {
    if (!IDENTIFIER.test(name)) throw new ProjectionRebuildError('incompatible', `"${name}" is not a lowercase SQL identifier`);
  }
  const stagingSchema = truncateIdentifier(`${schema}_rebuild_${projection.name.replace(/[^a-z0-9_]/g, '_')}`);
  const retiredSchema = truncateIdentifier(
    `${schema}_retired_${projection.name.replace(/[^a-z0-9_]/g, '_')}_${stamp(options.now ?? new Date())}`,
  );

  const admin = new pg.Client({ connectionString: withSearchPath(options.databaseUrl, schema), connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new ProjectionRebuildError(
      'unavailable',
      `cannot connect to the ${projection.service} database: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let staging: DataSource | undefined;
  try {
    // One rebuild per projection and schema at a time; the lock ends with this session.
    const { rows: locked } = await admin.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      `switchyard-rebuild:${schema}.${projection.name}`,
    ]);
    if (!locked[0]?.locked)
      throw new ProjectionRebuildError('busy', `another rebuild of ${projection.name} in schema ${schema} is running`);
    await requireLiveTables(admin, schema, projection.tables);

    // The staging schema is this rebuild's own: one left by an interrupted run is scratch.
    await admin.query(`DROP SCHEMA IF EXISTS "${stagingSchema}" CASCADE`);
    await admin.query(`CREATE SCHEMA "${stagingSchema}"`);
    staging = new DataSource({
      type: 'postgres',
      url: withSearchPath(options.databaseUrl, stagingSchema),
      migrations: projection.migrations,
      poolSize: 2,
      logging: false,
    });
    await staging.initialize();
    await staging.runMigrations({ transaction: 'each' });
    await requireSwappable(admin, schema, stagingSchema, projection.tables);

    const sources = projection.sources(options.topicPrefix);
    const folder = new Folder(
      projection,
      options.consumerGroup,
      new Map(sources.map((s) => [s.topic, new Set(s.types)])),
      options.skipFailed === true,
    );
    const log = options.eventLog;
    let positions: Positions = new Map();
    let total = 0;
    const progress = () => options.onProgress?.(folder.counts.read, total);

    // Fold up to the ends seen at the start, then again up to the new ends while the service
    // keeps appending, until little is left for the swap to fold under the locks.
    let passes = 0;
    for (;;) {
      const ends = await endOffsets(
        log,
        sources.map((s) => s.topic),
      );
      const pending = distance(positions, ends);
      total += pending;
      progress();
      if (passes > 0 && (pending <= CATCH_UP_THRESHOLD || passes >= MAX_PASSES)) break;
      passes++;
      positions = await foldRange(
        log,
        positions,
        ends,
        (batch) => staging!.transaction((manager) => folder.applyAll(manager, batch)),
        progress,
      );
    }

    // The swap: lock the inbox (consumers claim first), the tables, the outbox (commands write it
    // last), in the order the service takes them, so no deadlock; retried on a lock timeout.
    const hasOutbox = await tableExists(admin, schema, 'event_outbox');
    let swapAttempts = 0;
    let writesPausedMs = 0;
    for (;;) {
      swapAttempts++;
      const runner = staging.createQueryRunner();
      const before = folder.snapshot();
      let lockedAt = 0;
      try {
        await runner.connect();
        await runner.startTransaction();
        await runner.query(`SET LOCAL lock_timeout = '${Math.max(1, Math.floor(options.lockTimeoutMs ?? 10_000))}ms'`);
        await runner.query(`LOCK TABLE "${schema}".event_inbox IN EXCLUSIVE MODE`);
        await runner.query(`LOCK TABLE ${projection.tables.map((t) => `"${schema}"."${t}"`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
        if (hasOutbox) await runner.query(`LOCK TABLE "${schema}".event_outbox IN SHARE MODE`);
        lockedAt = performance.now();

        const ends = await endOffsets(
          log,
          sources.map((s) => s.topic),
        );
        total += distance(positions, ends);
        const caughtUp = await foldRange(log, positions, ends, (batch) => folder.applyAll(runner.manager, batch), progress);
        if (hasOutbox) {
          // Not yet in the log, so no position: partition -1, offset -1 in the inbox claim.
          const outboxed: { topic: string; envelope: LoggedEvent['envelope']; created_at: Date }[] = await runner.query(
            `SELECT topic, envelope, created_at FROM "${schema}".event_outbox WHERE topic = ANY($1::text[]) ORDER BY id`,
            [sources.map((s) => s.topic)],
          );
          const unpublished = outboxed.map((row) => ({
            topic: row.topic,
            partition: -1,
            offset: '-1',
            appendedAt: row.created_at,
            key: row.envelope.subject,
            envelope: row.envelope,
          }));
          await folder.applyAll(runner.manager, unpublished, { fromOutbox: true });
        }
        // A fold that applied nothing while the live tables hold rows is most likely the wrong
        // topics (a mistyped prefix), not an empty history: swapping would empty the projection.
        if (folder.counts.applied === 0) {
          for (const table of projection.tables) {
            const [{ found }] = (await runner.query(`SELECT EXISTS (SELECT 1 FROM "${schema}"."${table}") AS found`)) as [
              { found: boolean },
            ];
            if (found) {
              throw new ProjectionRebuildError(
                'incompatible',
                `no ${projection.name} events in ${sources.map((s) => s.topic).join(', ')} while ${schema}.${table} has rows: is the topic prefix right? Nothing was swapped`,
              );
            }
          }
        }
        await runner.query(
          `INSERT INTO "${schema}".event_inbox (consumer_group, event_id, event_type, topic, partition, "offset", applied_at)
           SELECT consumer_group, event_id, event_type, topic, partition, "offset", applied_at FROM "${stagingSchema}".event_inbox WHERE consumer_group = $1
           ON CONFLICT (consumer_group, event_id) DO NOTHING`,
          [options.consumerGroup],
        );
        await runner.query(`CREATE SCHEMA "${retiredSchema}"`);
        for (const table of projection.tables) await runner.query(`ALTER TABLE "${schema}"."${table}" SET SCHEMA "${retiredSchema}"`);
        for (const table of projection.tables) await runner.query(`ALTER TABLE "${stagingSchema}"."${table}" SET SCHEMA "${schema}"`);
        await runner.commitTransaction();
        writesPausedMs = Math.round(performance.now() - lockedAt);
        positions = caughtUp;
        break;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        folder.restore(before);
        if (!isLockConflict(error) || swapAttempts >= MAX_SWAP_ATTEMPTS) throw error;
      } finally {
        await runner.release().catch(() => undefined);
      }
    }

    // What is left in staging is scaffolding the migrations made (other tables, inbox, outbox).
    await admin.query(`DROP SCHEMA "${stagingSchema}" CASCADE`);
    if (options.dropRetired) await admin.query(`DROP SCHEMA "${retiredSchema}" CASCADE`);
    const tables = [];
    for (const table of projection.tables) {
      const { rows } = await admin.query<{ rows: string }>(`SELECT count(*)::text AS rows FROM "${schema}"."${table}"`);
      tables.push({ table, rows: Number(rows[0]!.rows) });
    }
    return {
      projection: projection.name,
      schema,
      consumerGroup: options.consumerGroup,
      retiredSchema: options.dropRetired ? null : retiredSchema,
      tables,
      events: { ...folder.counts },
      unchangedReasons: [...folder.reasons]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 20)
        .map(([reason, count]) => ({ reason, count })),
      failures: folder.failures.slice(0, 100),
      through: [...positions].flatMap(([topic, partitions]) =>
        [...partitions].sort((a, b) => a[0] - b[0]).map(([partition, offset]) => ({ topic, partition, offset: offset.toString() })),
      ),
      passes,
      swapAttempts,
      writesPausedMs,
    };
  } catch (error) {
    // Nothing was swapped (the swap is one transaction): the scratch schema goes.
    await admin.query(`DROP SCHEMA IF EXISTS "${stagingSchema}" CASCADE`).catch(() => undefined);
    throw error;
  } finally {
    await staging?.destroy().catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}

interface FoldCounts {
  read: number;
  applied: number;
  unchanged: number;
  duplicates: number;
  notFolded: number;
  fromOutbox: number;
  failed: number;
}

/** Applies events to the fresh tables the way the live consumer does: inbox claim, then the projection. */
class Folder {
  counts: FoldCounts = { read: 0, applied: 0, unchanged: 0, duplicates: 0, notFolded: 0, fromOutbox: 0, failed: 0 };
  reasons = new Map<string, number>();
  failures: RebuildFailure[] = [];
  private readonly inbox = new PostgresInbox();

  constructor(
    private readonly projection: Projection,
    private readonly consumerGroup: string,
    private readonly types: ReadonlyMap<string, ReadonlySet<string>>,
    private readonly skipFailed: boolean,
  ) {}

  snapshot(): { counts: FoldCounts; reasons: Map<string, number>; failures: RebuildFailure[] } {
    return { counts: { ...this.counts }, reasons: new Map(this.reasons), failures: [...this.failures] };
  }

  restore(saved: ReturnType<Folder['snapshot']>): void {
    this.counts = saved.counts;
    this.reasons = saved.reasons;
    this.failures = saved.failures;
  }

  async applyAll(manager: EntityManager, events: readonly LoggedEvent[], options: { fromOutbox?: boolean } = {}): Promise<void> {
    for (const event of events) {
      if (options.fromOutbox) this.counts.fromOutbox++;
      else this.counts.read++;
      if (!this.types.get(event.topic)?.has(event.envelope.type)) {
        this.counts.notFolded++;
        continue;
      }
      // A savepoint per event: a failing event undoes its own changes (and its claim) only.
      await manager.query('SAVEPOINT rebuild_event');
      try {
        if (!(await this.inbox.claim(manager, this.consumerGroup, event))) {
          this.counts.duplicates++;
        } else {
          const outcome = await this.projection.apply(manager, event);
          if (outcome.applied) this.counts.applied++;
          else {
            this.counts.unchanged++;
            const reason = outcome.reason.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');
            this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
          }
        }
        await manager.query('RELEASE SAVEPOINT rebuild_event');
      } catch (error) {
        await manager.query('ROLLBACK TO SAVEPOINT rebuild_event');
        const failure: RebuildFailure = {
          id: event.envelope.id,
          type: event.envelope.type,
          topic: event.topic,
          partition: event.partition,
          offset: event.offset,
          error: error instanceof Error ? error.message : String(error),
        };
        this.counts.failed++;
        this.failures.push(failure);
        if (!this.skipFailed) {
          throw new ProjectionRebuildError(
            'failed-event',
            `${failure.type} ${failure.id} (${failure.topic}/${failure.partition}@${failure.offset}) failed to apply: ${failure.error}; nothing was swapped (skip such events with --skip-failed, as the live consumer dead-letters them)`,
          );
        }
      }
    }
  }
}

async function endOffsets(log: EventLog, topics: readonly string[]): Promise<Map<string, Map<number, { earliest: bigint; end: bigint }>>> {
  const ends = new Map<string, Map<number, { earliest: bigint; end: bigint }>>();
  for (const topic of topics) {
    let partitions;
    try {
      partitions = await log.admin.endOffsets(topic);
    } catch (error) {
      throw new ProjectionRebuildError(
        'not-found',
        `cannot read topic ${topic}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    ends.set(topic, new Map(partitions.map((p) => [p.partition, { earliest: BigInt(p.earliest), end: BigInt(p.end) }])));
  }
  return ends;
}

/** Events between the positions (or each partition's earliest) and the ends. */
function distance(positions: Positions, ends: Awaited<ReturnType<typeof endOffsets>>): number {
  let count = 0n;
  for (const [topic, partitions] of ends) {
    for (const [partition, { earliest, end }] of partitions) {
      const from = positions.get(topic)?.get(partition) ?? earliest;
      if (end > from) count += end - from;
    }
  }
  return Number(count);
}

/** Reads each topic from `positions` to `ends`, batch by batch; resolves the new positions. */
async function foldRange(
  log: EventLog,
  positions: Positions,
  ends: Awaited<ReturnType<typeof endOffsets>>,
  apply: (batch: LoggedEvent[]) => Promise<void>,
  progress: () => void,
): Promise<Positions> {
  const next: Positions = new Map();
  for (const [topic, partitions] of ends) {
    const from = positions.get(topic);
    const to = new Map([...partitions].map(([partition, { end }]) => [partition, end]));
    next.set(topic, to);
    if (distance(positions, new Map([[topic, partitions]])) === 0) continue;
    const range = {
      topic,
      ...(from ? { from: { offsets: Object.fromEntries([...from].map(([p, o]) => [p, o.toString()])) } } : {}),
      to: { offsets: Object.fromEntries([...to].map(([p, o]) => [p, o.toString()])) },
    };
    let batch: LoggedEvent[] = [];
    for await (const event of log.read(range)) {
      batch.push(event);
      if (batch.length >= BATCH) {
        await apply(batch);
        batch = [];
        progress();
      }
    }
    if (batch.length > 0) await apply(batch);
    progress();
  }
  return next;
}

async function requireLiveTables(admin: pg.Client, schema: string, tables: readonly string[]): Promise<void> {
  for (const table of [...tables, 'event_inbox']) {
    if (!(await tableExists(admin, schema, table))) {
      throw new ProjectionRebuildError(
        'not-found',
        `schema ${schema} has no table ${table}: is it the service's schema, and has the service run there?`,
      );
    }
  }
}

async function tableExists(admin: pg.Client, schema: string, table: string): Promise<boolean> {
  const { rows } = await admin.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [`"${schema}"."${table}"`]);
  return rows[0]?.found != null;
}

/**
 * The fresh tables can replace the live ones only if they have the same columns (the live
 * schema is migrated to the same version) and moving them between schemas carries everything
 * they depend on and everything that depends on them.
 */
async function requireSwappable(admin: pg.Client, live: string, staging: string, tables: readonly string[]): Promise<void> {
  const columns = async (schema: string) =>
    (
      await admin.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
        `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = ANY($2::text[]) ORDER BY table_name, ordinal_position`,
        [schema, tables],
      )
    ).rows.map(
      (c) =>
        `${c.table_name}.${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}${c.column_default ? ` default ${c.column_default.replaceAll(`"${schema}".`, '').replaceAll(`${schema}.`, '')}` : ''}`,
    );
  const [liveColumns, freshColumns] = [await columns(live), await columns(staging)];
  const differences = [
    ...liveColumns.filter((c) => !freshColumns.includes(c)).map((c) => `live has ${c}`),
    ...freshColumns.filter((c) => !liveColumns.includes(c)).map((c) => `migrations make ${c}`),
  ];
  if (differences.length > 0) {
    throw new ProjectionRebuildError(
      'incompatible',
      `the live tables in ${live} differ from what the service's migrations create (${differences.slice(0, 5).join('; ')}): run the service at this version first`,
    );
  }
  const oids = `ARRAY(SELECT format('%I.%I', $1::text, t)::regclass::oid FROM unnest($2::text[]) AS t)`;
  const problems: string[] = [];
  const crossing = await admin.query<{ name: string }>(
    `SELECT conname AS name FROM pg_constraint WHERE contype = 'f' AND ((conrelid = ANY(${oids})) <> (confrelid = ANY(${oids})))`,
    [staging, tables],
  );
  problems.push(...crossing.rows.map((r) => `foreign key ${r.name} crosses the projection's tables`));
  const triggers = await admin.query<{ name: string }>(
    `SELECT tgname AS name FROM pg_trigger WHERE tgrelid = ANY(${oids}) AND NOT tgisinternal`,
    [staging, tables],
  );
  problems.push(...triggers.rows.map((r) => `trigger ${r.name} would be left behind`));
  const types = await admin.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
      WHERE a.attrelid = ANY(${oids}) AND a.attnum > 0 AND ty.typnamespace = $1::regnamespace`,
    [staging, tables],
  );
  problems.push(...types.rows.map((r) => `column ${r.name} has a type of the service's own`));
  const views = await admin.query<{ name: string }>(
    `SELECT DISTINCT v.oid::regclass::text AS name FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
      WHERE d.refobjid = ANY(${oids}) AND v.oid <> d.refobjid`,
    [live, tables],
  );
  problems.push(...views.rows.map((r) => `view ${r.name} would keep reading the replaced tables`));
  if (problems.length > 0) throw new ProjectionRebuildError('incompatible', `cannot swap the projection's tables: ${problems.join('; ')}`);
}

function isLockConflict(error: unknown): boolean {
  const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
  // lock_not_available (lock_timeout), deadlock_detected
  return code === '55P03' || code === '40P01';
}

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', 't').replace(/\..*$/, 'z');
}

function truncateIdentifier(name: string): string {
  return name.slice(0, 63);
}
