// One chaos scenario on one log backend: infrastructure this process owns (so it can restart
// it), the five services and the simulated fleet as child processes, a workload of jobs over
// real gRPC while a seeded controller SIGKILLs a random service every few seconds and restarts
// it, restarts PostgreSQL once and (Kafka backend) the broker once; then a bounded wait for the
// system to go quiet and the checks of ./invariants.ts.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaEventLog, PostgresEventLog, type EventLog } from '@switchyard/event-log';
import { startRestartableKafka, type RestartableKafka } from '@switchyard/testing/infra/kafka';
import { startRestartablePostgres, type RestartablePostgres } from '@switchyard/testing/infra/postgres';
import pg from 'pg';
import { freePorts } from './ports.js';
import { checkInvariants, stateCounts, TERMINAL_STATES } from './invariants.js';
import { ProcessSupervisor, SERVICE_NAMES, type ServiceName } from './processes.js';
import { SeededRandom } from './random.js';
import { markdown, verdictOf, type ChaosResult, type Fault } from './report.js';
import { reaskKeys, runWorkload } from './workload.js';

export interface ChaosOptions {
  readonly backend: 'postgres' | 'kafka';
  readonly jobs: number;
  /** Seconds of faults (the workload is spread over them). */
  readonly durationSeconds: number;
  /** Longest wait for the system to go quiet afterwards. */
  readonly settleSeconds: number;
  readonly seed: number;
  /** Time between kills, ms (uniform in the range). */
  readonly killEveryMs: readonly [number, number];
  readonly repoRoot: string;
  readonly outDir: string;
  readonly scenario?: string;
  readonly log: (message: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withinMs<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)),
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options;
  const rng = new SeededRandom(options.seed);
  const runId = `${options.backend}-${options.seed}-${randomBytes(3).toString('hex')}`;
  const logDir = join(options.outDir, runId);
  mkdirSync(logDir, { recursive: true });
  log(
    `chaos ${options.backend}: seed ${options.seed} (CHAOS_SEED=${options.seed} repeats it), ${options.jobs} jobs over ${options.durationSeconds} s; logs in ${logDir}`,
  );
  ProcessSupervisor.requireBuild(options.repoRoot);

  let postgres: RestartablePostgres | undefined;
  let kafka: RestartableKafka | undefined;
  let eventLog: EventLog | undefined;
  let db: pg.Pool | undefined;
  const supervisor = new ProcessSupervisor(options.repoRoot, logDir, log);
  try {
    postgres = await startRestartablePostgres({ log });
    log(`PostgreSQL ${postgres.version.split(' ').slice(0, 2).join(' ')} at ${postgres.url}`);
    if (options.backend === 'kafka') kafka = await startRestartableKafka(log);
    const topicPrefix = 'switchyard.';
    const ports = await freePorts(SERVICE_NAMES.length * 2);
    const address = Object.fromEntries(SERVICE_NAMES.map((s, i) => [s, `127.0.0.1:${ports[i]}`])) as Record<ServiceName, string>;
    const common: Record<string, string> = {
      DATABASE_URL: postgres.url,
      EVENT_LOG_BACKEND: options.backend,
      KAFKA_BROKERS: kafka ? kafka.brokers.join(',') : '',
      SWITCHYARD_TOPIC_PREFIX: topicPrefix,
      SWITCHYARD_TENANTS_FILE: join(options.repoRoot, 'deploy', 'dev', 'tenants.json'),
      OPERATOR_CREDENTIALS_FILE: join(options.repoRoot, 'deploy', 'dev', 'operators.json'),
      ADMIN_API_KEY_SHA256: sha256('dev-admin-key'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    };
    SERVICE_NAMES.forEach((s, i) =>
      supervisor.add(
        s,
        join('services', s, 'dist', 'main.js'),
        { ...common, GRPC_URL: address[s], METRICS_ADDRESS: `127.0.0.1:${ports[SERVICE_NAMES.length + i]}` },
        address[s],
      ),
    );
    // The default fleet (failures and vanishing on), its seed from the run's.
    supervisor.add('fleet', join('apps', 'provider-fleet', 'dist', 'main.js'), {
      PLACEMENT_ADDRESS: address.placement,
      FLEET_SEED: String(options.seed),
    });
    for (const s of SERVICE_NAMES) {
      await supervisor.start(s);
      log(`${s} SERVING at ${address[s]}`);
    }
    await supervisor.start('fleet');
    await sleep(3000);

    // The workload and the faults, side by side.
    const started = Date.now();
    const faultEnd = started + options.durationSeconds * 1000;
    const faults: Fault[] = [];
    const t = () => Math.round((Date.now() - started) / 100) / 10;
    const workload = runWorkload({
      intakeAddress: address.intake,
      jobs: options.jobs,
      spreadMs: Math.max(1000, (options.durationSeconds - 5) * 1000),
      submitUntil: faultEnd + 60_000,
      rng: new SeededRandom(options.seed ^ 0x5eed),
      runId,
    });
    const infraFaults: { at: number; kind: 'postgres-restart' | 'kafka-restart' }[] = [
      { at: started + options.durationSeconds * 350, kind: 'postgres-restart' },
    ];
    if (kafka) infraFaults.push({ at: started + options.durationSeconds * 650, kind: 'kafka-restart' });
    const restarting = new Set<ServiceName>();
    const restarts: Promise<void>[] = [];
    while (Date.now() < faultEnd) {
      await sleep(rng.int(options.killEveryMs[0], options.killEveryMs[1]));
      if (Date.now() >= faultEnd) break;
      const due = infraFaults.find((f) => f.at <= Date.now());
      if (due) {
        infraFaults.splice(infraFaults.indexOf(due), 1);
        const at = new Date().toISOString();
        const t0 = Date.now();
        const startT = t();
        try {
          if (due.kind === 'postgres-restart') {
            log(`t=${startT}s PostgreSQL: immediate shutdown, down 3 s, start`);
            await postgres.restart({ abrupt: true, downForMs: 3000 });
          } else {
            log(`t=${startT}s Kafka broker: SIGKILL, down 3 s, start`);
            await kafka!.restart({ abrupt: true, downForMs: 3000 });
          }
          faults.push({
            at,
            t: startT,
            kind: due.kind,
            target: due.kind === 'postgres-restart' ? 'postgres' : 'kafka',
            recoveredMs: Date.now() - t0,
          });
        } catch (error) {
          faults.push({ at, t: startT, kind: due.kind, target: due.kind, error: (error as Error).message });
          throw error;
        }
        continue;
      }
      // A service that is up (at most two down at once), killed now and started again after a
      // short pause without waiting: the next kill does not wait for this one to come back.
      const candidates = SERVICE_NAMES.filter((s) => !restarting.has(s));
      if (restarting.size >= 2 || candidates.length === 0) continue;
      const victim = rng.pick(candidates);
      const pause = rng.int(300, 2000);
      const at = new Date().toISOString();
      const killT = t();
      restarting.add(victim);
      await supervisor.kill(victim);
      const t0 = Date.now();
      log(`t=${killT}s SIGKILL ${victim}`);
      const restart = sleep(pause)
        .then(() => supervisor.start(victim, 90_000))
        .then(
          () => {
            faults.push({ at, t: killT, kind: 'kill', target: victim, recoveredMs: Date.now() - t0 });
            log(`${victim} (killed at t=${killT}s) SERVING again after ${Date.now() - t0} ms`);
          },
          (error: Error) => {
            faults.push({ at, t: killT, kind: 'kill', target: victim, error: error.message });
            log(`${victim} (killed at t=${killT}s) did not come back: ${error.message}`);
          },
        )
        .finally(() => restarting.delete(victim));
      restarts.push(restart);
    }
    await Promise.all(restarts);
    // An infrastructure restart not yet due (a very short run) happens now.
    for (const due of infraFaults) {
      const startT = t();
      const t0 = Date.now();
      if (due.kind === 'postgres-restart') await postgres.restart({ abrupt: true, downForMs: 3000 });
      else await kafka!.restart({ abrupt: true, downForMs: 3000 });
      faults.push({
        at: new Date().toISOString(),
        t: startT,
        kind: due.kind,
        target: due.kind === 'postgres-restart' ? 'postgres' : 'kafka',
        recoveredMs: Date.now() - t0,
      });
    }
    faults.sort((a, b) => a.t - b.t);
    log(`t=${t()}s faults over (${faults.length}); waiting for the last submissions`);
    const submitted = await workload;
    log(
      `t=${t()}s ${submitted.acknowledged.length} of ${submitted.planned} jobs acknowledged; waiting up to ${options.settleSeconds} s for the system to go quiet`,
    );

    // Quiet: every acknowledged job terminal, or nothing moving (the same counts for 30 s);
    // bounded by the settle time.
    db = new pg.Pool({ connectionString: postgres.url, max: 3 });
    const ids = submitted.acknowledged.map((a) => a.jobId);
    const settleStart = Date.now();
    let quiet = false;
    const recent: string[] = [];
    const QUIET_POLLS = 12; // × 5 s
    while (Date.now() - settleStart < options.settleSeconds * 1000) {
      await sleep(5000);
      const counts = await stateCounts(db, ids).catch(() => ({}) as Record<string, number>);
      const open = Object.entries(counts)
        .filter(([s]) => !TERMINAL_STATES.includes(s))
        .reduce((n, [, c]) => n + c, 0);
      recent.push(JSON.stringify(counts));
      log(
        `settling: ${Object.entries(counts)
          .map(([s, n]) => `${s.replace('JOB_STATE_', '')} ${n}`)
          .join(', ')}`,
      );
      // Quiet: the counts stayed the same for a minute — longer than a simulated provider stays
      // vanished (30 s) plus the heartbeats placement's reconciliation waits before it requeues
      // what the provider dropped, so a job still open then is stuck, not about to move.
      if (open === 0 || (recent.length >= QUIET_POLLS && recent.slice(-QUIET_POLLS).every((r) => r === recent[recent.length - 1]))) {
        quiet = true;
        break;
      }
    }
    const waitedSeconds = Math.round((Date.now() - settleStart) / 1000);
    log(`quiet: ${quiet ? 'yes' : 'no'} after ${Math.round((Date.now() - settleStart) / 1000)} s; re-asking acknowledged keys`);
    const reask = await withinMs(
      reaskKeys(address.intake, submitted.acknowledged.slice(0, 1000), submitted.specs),
      5 * 60_000,
      're-asking the acknowledged keys',
    );
    eventLog =
      options.backend === 'kafka'
        ? new KafkaEventLog({ brokers: kafka!.brokers, clientId: `chaos-${runId}` })
        : new PostgresEventLog({ connectionString: postgres.url, poolSize: 2 });
    log(`checking: ${reask.asked} keys re-asked; reading the log and the projections`);
    const checks = await withinMs(
      checkInvariants({ log: eventLog, topicPrefix, db, acknowledged: submitted.acknowledged }),
      10 * 60_000,
      'the checks (reading the log and the projections)',
    );
    const result: ChaosResult = {
      scenario: options.scenario ?? `${options.backend} log`,
      backend: options.backend,
      seed: options.seed,
      startedAt: new Date(started).toISOString(),
      durationSeconds: options.durationSeconds,
      jobs: { planned: submitted.planned, acknowledged: submitted.acknowledged.length, unacknowledged: submitted.unacknowledged.length },
      faults,
      unexpectedExits: supervisor.unexpectedExits,
      submitErrors: submitted.errors,
      submitErrorSamples: submitted.errorSamples,
      reask: { asked: reask.asked, differing: reask.differing.length, failed: reask.failed },
      settle: { quiet, waitedSeconds },
      checks,
      verdict: verdictOf(checks, reask.differing.length),
      logDir,
    };
    writeFileSync(join(logDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(logDir, 'result.md'), markdown(result));
    return result;
  } finally {
    await supervisor.stopAll().catch(() => undefined);
    await eventLog?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await kafka?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
  }
}
