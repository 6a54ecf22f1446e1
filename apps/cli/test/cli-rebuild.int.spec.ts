// `switchyard rebuild` against a running intake process, on both logs: the log is seeded with a
// generated workload (with provider churn) that intake projects, plus jobs submitted and cancelled
// through intake itself; the CLI then rebuilds the projection from the log and swaps it in while
// intake keeps serving, reading and submitting.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerEventEnvelope, topicNames, jobEventEnvelope, api } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { databaseUrl, eventually, kafkaBrokers } from '@switchyard/testing';
import pg from 'pg';
import { repoRoot, runSwitchyard, runSwitchyardOnTerminal, type CliRun } from './cli-process.js';
import { seedLog, type BackendName, type SeededLog } from './seeded-log.js';

const API_KEY = `sk_acme_${randomBytes(16).toString('hex')}`;
const SPEC = [
  '--kind',
  'inference',
  '--model',
  'meta-llama/Llama-3.1-8B-Instruct@main',
  '--gpu-class',
  'l4',
  '--gpus',
  '1',
  '--min-vram',
  '16',
  '--max-latency-ms',
  '300',
  '--duration',
  '30',
];

interface RebuildReportJson {
  projection: string;
  schema: string;
  retiredSchema: string | null;
  tables: { table: string; rows: number }[];
  events: { read: number; applied: number; unchanged: number; duplicates: number; notFolded: number; fromOutbox: number; failed: number };
  through: { topic: string; partition: number; offset: string }[];
  writesPausedMs: number;
}

interface Snapshot {
  jobs: unknown[];
  history: unknown[];
}

describe.each<BackendName>(['postgres', 'kafka'])('switchyard rebuild on the %s log', (backend) => {
  const intakeSchema = `cli_rebuild_${randomBytes(5).toString('hex')}`;
  let seeded: SeededLog;
  let intake: ServiceProcess;
  let db: pg.Client;
  let dir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]): Promise<CliRun> => runSwitchyard(args, env);

  const rows = async (sql: string, params: unknown[] = []) => (await db.query<{ row: unknown }>(sql, params)).rows.map((r) => r.row);
  const snapshot = async (schema: string): Promise<Snapshot> => ({
    jobs: await rows(`SELECT to_jsonb(t) AS row FROM "${schema}".jobs t ORDER BY id`),
    history: await rows(`SELECT to_jsonb(t) AS row FROM "${schema}".job_history t ORDER BY job_id, seq`),
  });
  const oid = async (schema: string, table: string) =>
    (await db.query<{ oid: number }>('SELECT to_regclass($1)::oid::int AS oid', [`"${schema}"."${table}"`])).rows[0]?.oid ?? null;
  const schemaExists = async (schema: string) => (await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;

  /** Intake has applied everything in the log and published everything it committed. */
  const settled = () =>
    eventually(async () => {
      const names = topicNames(seeded.prefix);
      for (const topic of [names.jobs, names.ledger]) {
        const lag = await seeded.log.admin.lag('switchyard.intake', topic);
        expect(lag.filter((p) => p.lag > 0)).toEqual([]);
      }
      expect((await db.query(`SELECT 1 FROM "${intakeSchema}".event_outbox`)).rowCount).toBe(0);
    }, 120_000);

  const submit = async (key: string): Promise<string> => {
    const run = await cli('--json', 'submit', ...SPEC, '--idempotency-key', key);
    expect(run).toMatchObject({ code: 0 });
    return (JSON.parse(run.stdout) as { job: { id: string } }).job.id;
  };

  const rebuild = async (...args: string[]): Promise<RebuildReportJson> => {
    const run = await cli('--json', 'rebuild', ...args, '--schema', intakeSchema);
    if (run.code !== 0) throw new Error(`rebuild exited ${run.code}: ${run.stderr}`);
    // Not a terminal: no progress bar, nothing on stderr.
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as RebuildReportJson;
  };

  beforeAll(async () => {
    seeded = await seedLog(backend, 300, { uuidJobIds: true });
    db = new pg.Client({ connectionString: databaseUrl() });
    await db.connect();
    dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-rebuild-'));
    const tenantsFile = join(dir, 'tenants.json');
    const apiKeySha256 = createHash('sha256').update(API_KEY, 'utf8').digest('hex');
    await writeFile(
      tenantsFile,
      JSON.stringify({
        tenants: [{ id: 'acme', plan: 'enterprise', spendingCapBaseUnits: '100000000000000', apiKeySha256: [apiKeySha256] }],
      }),
    );
    const logEnv: Record<string, string> =
      backend === 'postgres'
        ? { EVENT_LOG_BACKEND: 'postgres', EVENT_LOG_DATABASE_URL: seeded.schema!.url, KAFKA_BROKERS: '' }
        : { EVENT_LOG_BACKEND: 'kafka', KAFKA_BROKERS: kafkaBrokers().join(',') };
    intake = await startServiceProcess({
      cwd: join(repoRoot, 'services/intake'),
      env: {
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: intakeSchema,
        SWITCHYARD_TOPIC_PREFIX: seeded.prefix,
        SWITCHYARD_TENANTS_FILE: tenantsFile,
        INTAKE_WATCH_POLL_MS: '250',
        ...logEnv,
      },
      startTimeoutMs: 120_000,
    });
    // The service database defaults to DATABASE_URL: on the PostgreSQL log that is the log's own
    // URL (same database, another search_path), on Kafka the plain database URL.
    env = {
      ...seeded.env,
      ...(backend === 'kafka' ? { DATABASE_URL: databaseUrl() } : {}),
      SWITCHYARD_ENDPOINT: intake.address,
      SWITCHYARD_API_KEY: API_KEY,
    };
    await settled().catch((error: unknown) => {
      console.log(
        intake.logs
          .slice(-30)
          .map((l) => JSON.stringify(l))
          .join('\n'),
      );
      throw error;
    });
  }, 300_000);

  afterAll(async () => {
    // Every step runs even when one fails, so nothing is left open to keep Jest from exiting.
    const steps: (() => Promise<unknown>)[] = [
      // Generous: on a loaded machine a Kafka consumer caught mid-rebalance takes a while to leave.
      async () => intake?.stop(30_000),
      async () => {
        if (!db) return;
        const { rows: schemas } = await db.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE $1`, [
          `${intakeSchema}%`,
        ]);
        for (const { name } of schemas) await db.query(`DROP SCHEMA "${name}" CASCADE`);
      },
      async () => db?.end(),
      async () => seeded?.close(),
      async () => dir && rm(dir, { recursive: true, force: true }),
    ];
    const failures: unknown[] = [];
    for (const step of steps) await step().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }, 90_000);

  it('rebuilds the jobs projection into fresh tables identical to the live ones, swapped in under a running intake', async () => {
    expect((await snapshot(intakeSchema)).jobs).toHaveLength(seeded.workload.stats.jobs);
    // Jobs intake applied at its gRPC edge (submission, cancel request) as well as from the log.
    await submit('rebuild-a');
    const cancelled = await submit('rebuild-b');
    expect((await cli('cancel', cancelled, '--reason', 'changed plans')).code).toBe(0);
    await settled();

    const before = await snapshot(intakeSchema);
    const liveOids = { jobs: await oid(intakeSchema, 'jobs'), history: await oid(intakeSchema, 'job_history') };

    // A reader the way intake reads (unqualified names on its search_path), all through the rebuild.
    const reader = new pg.Client({ connectionString: databaseUrl(), options: `-c search_path=${intakeSchema}` });
    await reader.connect();
    const seen: number[] = [];
    let reading = true;
    const readLoop = (async () => {
      while (reading) seen.push(Number((await reader.query<{ n: string }>('SELECT count(*) AS n FROM jobs')).rows[0]!.n));
    })();
    let report: RebuildReportJson;
    try {
      report = await rebuild('jobs');
    } finally {
      reading = false;
      await readLoop;
      await reader.end();
    }

    expect(report.projection).toBe('jobs');
    expect(report.retiredSchema).toMatch(new RegExp(`^${intakeSchema}_retired_jobs_\\d{8}t\\d{6}z$`));
    expect(report.events.failed).toBe(0);
    expect(report.events.applied).toBe(before.history.length);
    expect(report.events.read).toBeGreaterThanOrEqual(seeded.workload.jobs.length + 3);
    expect(report.tables).toEqual([
      { table: 'jobs', rows: before.jobs.length },
      { table: 'job_history', rows: before.history.length },
      // Settlement's usage records: the seeded workload has no usage or ledger events.
      { table: 'job_usage', rows: 0 },
    ]);
    // Every read saw a whole table, the old or the new one.
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.min(...seen)).toBe(before.jobs.length);

    // New tables, identical row for row to the ones they replaced, which are kept aside.
    expect(await oid(intakeSchema, 'jobs')).not.toBe(liveOids.jobs);
    expect(await oid(intakeSchema, 'job_history')).not.toBe(liveOids.history);
    expect(await oid(report.retiredSchema!, 'jobs')).toBe(liveOids.jobs);
    expect(await snapshot(intakeSchema)).toEqual(before);
    expect(await snapshot(report.retiredSchema!)).toEqual(before);
    expect(await schemaExists(`${intakeSchema}_rebuild_jobs`)).toBe(false);

    // Intake goes on with the new tables: a submission lands in them, and an event from the log
    // (the classifier's) is projected into them.
    const after = await submit('rebuild-after');
    await seeded.log.append(topicNames(seeded.prefix).jobs, [
      jobEventEnvelope(
        {
          jobClassified: {
            jobId: after,
            tier: api.Tier.TIER_REALTIME,
            policyVersion: 'v1',
            matchedRuleId: 'test',
            reasons: ['test'],
            classifiedAt: undefined,
          },
        },
        { source: '/switchyard/classifier', time: new Date() },
      ) as EventEnvelope,
    ]);
    await eventually(async () => {
      const got = await cli('--json', 'jobs', 'get', after);
      expect(JSON.parse(got.stdout)).toMatchObject({ job: { id: after, state: 'JOB_STATE_CLASSIFIED' } });
    });
    expect(await rows(`SELECT id AS row FROM "${intakeSchema}".jobs WHERE id = $1`, [after])).toEqual([after]);
    expect(await rows(`SELECT id AS row FROM "${report.retiredSchema!}".jobs WHERE id = $1`, [after])).toEqual([]);
  }, 300_000);

  it('loses nothing submitted while it rebuilds, and a second rebuild matches the first to the row', async () => {
    await settled();
    const submitted: string[] = [];
    let submitting = true;
    const submitLoop = (async () => {
      for (let i = 0; submitting; i++) submitted.push(await submit(`during-${i}`));
    })();
    let report: RebuildReportJson;
    try {
      report = await rebuild('jobs', '--drop-retired');
    } finally {
      submitting = false;
      await submitLoop;
    }
    expect(report.retiredSchema).toBeNull();
    expect(await schemaExists(`${intakeSchema}_rebuild_jobs`)).toBe(false);
    expect(submitted.length).toBeGreaterThan(0);
    await settled();
    const live = await snapshot(intakeSchema);
    const ids = new Set((live.jobs as { id: string }[]).map((j) => j.id));
    expect(submitted.filter((id) => !ids.has(id))).toEqual([]);

    // Folding the whole log again gives exactly what the swapped-in tables became.
    const again = await rebuild('jobs');
    expect(await snapshot(again.retiredSchema!)).toEqual(live);
    expect(await snapshot(intakeSchema)).toEqual(live);
  }, 300_000);

  it('rebuilds the epochs projection from the ledger topic', async () => {
    const cutoff = new Date('2026-11-01T00:00:00Z');
    await seeded.log.append(topicNames(seeded.prefix).ledger, [
      ledgerEventEnvelope(
        {
          epochClosed: {
            epochId: 'epoch-rebuild',
            cutoff: { seconds: String(cutoff.getTime() / 1000), nanos: 0 },
            payoutCount: 0,
            totalBaseUnits: '0',
            closedAt: undefined,
          },
        },
        { source: '/switchyard/payout', time: cutoff },
        'epoch-rebuild',
      ) as EventEnvelope,
    ]);
    await eventually(async () => expect(await rows(`SELECT epoch_id AS row FROM "${intakeSchema}".epochs`)).toEqual(['epoch-rebuild']));
    const before = await rows(`SELECT to_jsonb(t) AS row FROM "${intakeSchema}".epochs t ORDER BY epoch_id`);
    const liveOid = await oid(intakeSchema, 'epochs');

    const report = await rebuild('epochs');
    expect(report).toMatchObject({ projection: 'epochs', tables: [{ table: 'epochs', rows: 1 }], events: { applied: 1, failed: 0 } });
    expect(await oid(intakeSchema, 'epochs')).not.toBe(liveOid);
    expect(await rows(`SELECT to_jsonb(t) AS row FROM "${intakeSchema}".epochs t ORDER BY epoch_id`)).toEqual(before);

    // At a terminal: a progress bar with counts and ETA, then the report.
    const onTerminal = await runSwitchyardOnTerminal(['rebuild', 'epochs', '--schema', intakeSchema, '--drop-retired'], env);
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.output).toMatch(/rebuild epochs \[[^\]]*\] \d+\/\d+ events \| \d+% \| ETA/);
    // eslint-disable-next-line no-control-regex -- stripping the terminal's colour codes
    expect(onTerminal.output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')).toContain('rebuilt epochs in schema');
    expect(await rows(`SELECT to_jsonb(t) AS row FROM "${intakeSchema}".epochs t ORDER BY epoch_id`)).toEqual(before);
  }, 300_000);

  it('says in one line what is wrong, with a non-zero exit, when the projection or schema is unknown', async () => {
    const unknown = await cli('rebuild', 'nosuch');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe('switchyard: no projection named "nosuch" (known: jobs, epochs)\n');
    const unnamed = await cli('rebuild');
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/^switchyard: name the projection to rebuild/);
    const noSchema = await cli('rebuild', 'jobs', '--schema', 'no_such_schema');
    expect(noSchema.code).toBe(3);
    expect(noSchema.stderr).toBe(
      "switchyard: schema no_such_schema has no table jobs: is it the service's schema, and has the service run there?\n",
    );
    const unreachable = await cli(
      'rebuild',
      'jobs',
      '--schema',
      intakeSchema,
      '--service-database-url',
      'postgres://postgres@127.0.0.1:1/nowhere',
    );
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toMatch(/^switchyard: cannot connect to the intake database: [^\n]+\n$/);
    const list = await cli('--json', 'rebuild', '--list');
    expect(list.code).toBe(0);
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { name: string; tables: string[] }),
    ).toEqual([
      expect.objectContaining({ name: 'jobs', tables: ['jobs', 'job_history', 'job_usage'] }),
      expect.objectContaining({ name: 'epochs', tables: ['epochs'] }),
    ]);
  }, 120_000);
});
