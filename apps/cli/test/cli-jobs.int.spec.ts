// The user commands against a real intake process (JobService over gRPC, PostgreSQL event log):
// quote, submit (idempotent), jobs get/list, cancel, watch; and the gRPC failures mapped to exit
// codes. The same log is then read back with `timeline`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { createTestSchema, databaseUrl, uniqueName, type TestSchema } from '@switchyard/testing';
import { repoRoot, runSwitchyard } from './cli-process.js';

const API_KEY = `sk_acme_${randomBytes(16).toString('hex')}`;

describe('switchyard user commands against intake (PostgreSQL log)', () => {
  let intake: ServiceProcess;
  let logSchema: TestSchema;
  let dir: string;
  const prefix = `${uniqueName('cli-jobs')}.`;
  const intakeSchema = `cli_intake_${randomBytes(5).toString('hex')}`;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runSwitchyard(args, env);

  beforeAll(async () => {
    logSchema = await createTestSchema('cli_jobs_log');
    dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-jobs-'));
    const tenantsFile = join(dir, 'tenants.json');
    const apiKeySha256 = createHash('sha256').update(API_KEY, 'utf8').digest('hex');
    await writeFile(
      tenantsFile,
      JSON.stringify({ tenants: [{ id: 'acme', plan: 'enterprise', spendingCapBaseUnits: '100000000000', apiKeySha256: [apiKeySha256] }] }),
    );
    intake = await startServiceProcess({
      cwd: join(repoRoot, 'services/intake'),
      env: {
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: intakeSchema,
        EVENT_LOG_BACKEND: 'postgres',
        EVENT_LOG_DATABASE_URL: logSchema.url,
        SWITCHYARD_TOPIC_PREFIX: prefix,
        SWITCHYARD_TENANTS_FILE: tenantsFile,
        INTAKE_WATCH_POLL_MS: '250',
        KAFKA_BROKERS: '',
      },
      startTimeoutMs: 120_000,
    });
    env = {
      SWITCHYARD_ENDPOINT: intake.address,
      SWITCHYARD_API_KEY: API_KEY,
      DATABASE_URL: logSchema.url,
      SWITCHYARD_TOPIC_PREFIX: prefix,
    };
  }, 180_000);

  afterAll(async () => {
    await intake?.stop();
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${intakeSchema}" CASCADE`);
    await client.end();
    await logSchema?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const spec = [
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

  it('quote prices the spec per tier, or says in one line that intake does not quote yet', async () => {
    const run = await cli('quote', ...spec);
    if (run.code === 0) {
      expect(run.stdout).toMatch(/^rate card \S+ \(quoted /);
      expect(run.stdout).toMatch(/\n {2}REALTIME\s+[\d.,]+ tokens?\s+[\d.,]+ tokens?\n/);
    } else {
      // Intake answers QuoteJob with UNIMPLEMENTED until it serves the metering rate card.
      expect(run.code).toBe(4);
      expect(run.stderr).toMatch(/^switchyard: \S+: QuoteJob is not available yet[^\n]*\n$/);
    }
  }, 120_000);

  it('submit, the same key again, get, list, cancel, watch, and timeline from the log', async () => {
    const first = await cli('--json', 'submit', ...spec, '--idempotency-key', 'cli-test-1');
    expect(first.code).toBe(0);
    const submitted = JSON.parse(first.stdout) as { job: { id: string; state: string }; deduplicated?: boolean };
    expect(submitted.job.state).toBe('JOB_STATE_SUBMITTED');
    const jobId = submitted.job.id;

    const again = JSON.parse((await cli('--json', 'submit', ...spec, '--idempotency-key', 'cli-test-1')).stdout) as {
      job: { id: string };
      deduplicated: boolean;
    };
    expect(again).toMatchObject({ job: { id: jobId }, deduplicated: true });

    const get = await cli('jobs', 'get', jobId);
    expect(get.code).toBe(0);
    expect(get.stdout).toContain(`job ${jobId}  SUBMITTED`);
    expect(get.stdout).toContain('idempotency key: cli-test-1');

    // The jobs projection follows the log: the job shows up in the list once intake consumed it.
    let listed = '';
    for (let i = 0; i < 20 && !listed.includes(jobId); i++) listed = (await cli('jobs', 'list', '--all')).stdout;
    expect(listed).toContain(jobId);

    const cancelled = await cli('cancel', jobId, '--reason', 'wrong model');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('(cancel requested)');

    const watched = await cli('watch', jobId, '--timeout', '3');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/JobSubmitted\s+/);
    expect(watched.stderr).toContain('stopped watching after 3s');

    const timeline = await cli('timeline', jobId);
    expect(timeline.code).toBe(0);
    expect(timeline.stdout).toMatch(/JobSubmitted\s+\/switchyard\/intake/);
    expect(timeline.stdout).toMatch(/JobCancelRequested\s+\/switchyard\/intake\s+reason=wrong model/);
  }, 300_000);

  it('submits a pipeline step that depends on an earlier job, from flags and from a spec file', async () => {
    const upstream = JSON.parse((await cli('--json', 'submit', ...spec, '--idempotency-key', 'cli-upstream')).stdout) as {
      job: { id: string };
    };
    const step = await cli(
      '--json',
      'submit',
      '--kind',
      'pipeline-step',
      '--model',
      'etl',
      '--gpu-class',
      'l4',
      '--gpus',
      '1',
      '--duration',
      '60',
      '--depends-on',
      `${upstream.job.id}:300000000000`,
      '--idempotency-key',
      'cli-step',
    );
    expect(step.code).toBe(0);
    expect((JSON.parse(step.stdout) as { job: { spec: { dependsOn: unknown } } }).job.spec.dependsOn).toEqual([
      { jobId: upstream.job.id, outputSizeBytes: '300000000000' },
    ]);
    const file = join(dir, 'step.yaml');
    await writeFile(
      file,
      `kind: WORKLOAD_KIND_PIPELINE_STEP\nmodelRef: etl\ngpuClass: l4\ngpuCount: 1\nestimatedDurationSeconds: 60\ndependsOn:\n  - jobId: ${upstream.job.id}\n    outputSizeBytes: "5"\n`,
    );
    const fromFile = await cli('--json', 'submit', '--spec', file, '--idempotency-key', 'cli-step-file');
    expect(fromFile.code).toBe(0);
    expect((JSON.parse(fromFile.stdout) as { job: { spec: { dependsOn: unknown } } }).job.spec.dependsOn).toEqual([
      { jobId: upstream.job.id, outputSizeBytes: '5' },
    ]);
    // An unknown job is the server's INVALID_ARGUMENT, named by field; a malformed flag is a usage error.
    const unknown = await cli(
      'submit',
      '--kind',
      'pipeline-step',
      '--model',
      'etl',
      '--gpu-class',
      'l4',
      '--gpus',
      '1',
      '--duration',
      '60',
      '--depends-on',
      '0190c3a0-0000-7000-8000-000000000000',
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('spec.depends_on[0].job_id');
    const malformed = await cli('submit', ...spec, '--depends-on', 'a:b:c');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--depends-on must be <job id> or <job id>:<output bytes>');
  }, 120_000);

  it("submits a training gang that may span one operator's providers in a region; an unknown domain is a usage error", async () => {
    const gang = await cli(
      '--json',
      'submit',
      '--kind',
      'training',
      '--model',
      'llama-70b',
      '--gpu-class',
      'h100-80g',
      '--gpus',
      '16',
      '--duration',
      '3600',
      '--gang',
      'operator-region',
      '--idempotency-key',
      'cli-gang',
    );
    expect(gang.code).toBe(0);
    expect((JSON.parse(gang.stdout) as { job: { spec: { gangDomain: string; gpuCount: number } } }).job.spec).toMatchObject({
      gangDomain: 'GANG_DOMAIN_OPERATOR_REGION',
      gpuCount: 16,
    });
    const wrong = await cli('submit', ...spec, '--gang', 'rack');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('operator-region');
  }, 60_000);

  it('maps gRPC failures to one line and an exit code', async () => {
    const unknown = await cli('jobs', 'get', '0193a8e2-7c1e-7d4a-9f00-5b2c1e0a9d11');
    expect(unknown.code).toBe(3);
    const noKey = await runSwitchyard(['jobs', 'get', '0193a8e2-7c1e-7d4a-9f00-5b2c1e0a9d11'], {
      SWITCHYARD_ENDPOINT: env.SWITCHYARD_ENDPOINT!,
    });
    expect(noKey.code).toBe(6);
    expect(noKey.stderr).toMatch(/^switchyard: missing API key.*pass --api-key or set SWITCHYARD_API_KEY\n$/);
    const invalid = await cli('submit', '--kind', 'inference', '--gpu-class', 'l4', '--gpus', '0', '--idempotency-key', 'cli-test-bad');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^switchyard: invalid request: .*spec\.gpu_count: must be >= 1.*\n$/);
    const down = await runSwitchyard(['jobs', 'get', 'x', '--endpoint', '127.0.0.1:1', '--call-timeout', '2000'], {
      SWITCHYARD_API_KEY: API_KEY,
    });
    expect(down.code).toBe(4);
    for (const run of [unknown, noKey, invalid, down]) {
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
    }
  }, 180_000);
});
