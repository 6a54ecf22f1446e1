// What the container image runs, proven without a Docker engine: each service is `pnpm deploy
// --prod`ed into an empty folder outside the repo (as deploy/Dockerfile does), started there with
// `node dist/main.js` against the real Kafka broker and PostgreSQL, probed over grpc.health.v1 by
// the image's own probe script until SERVING, and stopped with SIGTERM (exit code 0).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { createTestSchema, databaseUrl, eventually, kafkaBrokers, uniqueName, type TestSchema } from '@switchyard/testing';

jest.setTimeout(300_000);

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const devCredentials = join(repoRoot, 'deploy', 'dev');
const SERVICES = ['intake', 'classifier', 'placement', 'metering', 'payout'] as const;
type ServiceName = (typeof SERVICES)[number];
const PROBE = 'node_modules/@switchyard/service-host/dist/health-probe.js';

interface Deployed {
  readonly dir: string;
  healthUrl: string;
  process?: ServiceProcess;
}

/** A loopback address with a port free right now (for the health-only listener). */
function freePort(): Promise<string> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(`127.0.0.1:${port}`));
    });
  });
}

describe('services deployed as the image deploys them', () => {
  const deployed = new Map<ServiceName, Deployed>();
  const topicPrefix = `${uniqueName('deployed')}.`;
  let schema: TestSchema;

  beforeAll(async () => {
    for (const service of SERVICES) {
      if (!existsSync(join(repoRoot, 'services', service, 'dist', 'main.js'))) {
        throw new Error(`services/${service}/dist/main.js is missing: run \`pnpm build\` first (the image builds before it deploys)`);
      }
    }
    schema = await createTestSchema('deployed');
    // One after the other: two cores, and each deploy links a few hundred packages.
    for (const service of SERVICES) {
      const dir = await mkdtemp(join(tmpdir(), `switchyard-${service}-`));
      await run('pnpm', ['--filter', `@switchyard/${service}`, 'deploy', '--prod', dir], {
        cwd: repoRoot,
        env: { ...process.env, CI: 'true' },
      });
      deployed.set(service, { dir, healthUrl: '' });
    }
  });

  afterAll(async () => {
    for (const entry of deployed.values()) await entry.process?.stop(10_000).catch(() => undefined);
    await Promise.all([...deployed.values()].map((entry) => rm(entry.dir, { recursive: true, force: true })));
    await schema?.drop();
  });

  it('holds only production dependencies and the protos inside the package, no repo root above it', () => {
    for (const { dir } of deployed.values()) {
      expect(existsSync(join(dir, 'node_modules', 'typescript'))).toBe(false);
      expect(
        existsSync(join(dir, 'node_modules', '@switchyard', 'contracts', 'dist', 'proto', 'switchyard', 'v1', 'job_service.proto')),
      ).toBe(true);
      expect(existsSync(join(dir, '..', 'proto'))).toBe(false);
    }
  });

  const start = (entry: Deployed, service: ServiceName, kafkaClient: string) =>
    startServiceProcess({
      cwd: entry.dir,
      args: ['dist/main.js'],
      startTimeoutMs: 60_000,
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: `${schema.name}_${service}`,
        EVENT_LOG_BACKEND: 'kafka',
        KAFKA_CLIENT: kafkaClient,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        SWITCHYARD_TOPIC_PREFIX: topicPrefix,
        GRPC_URL: '127.0.0.1:0',
        GRPC_HEALTH_URL: entry.healthUrl,
        SWITCHYARD_TENANTS_FILE: join(devCredentials, 'tenants.json'),
        OPERATOR_CREDENTIALS_FILE: join(devCredentials, 'operators.json'),
        ADMIN_API_KEY_SHA256: createHash('sha256').update('dev-admin-key').digest('hex'),
      },
    });

  const cases = [...SERVICES.map((service) => [service, 'kafkajs'] as const), ['metering', 'platformatic'] as const];
  it.each(cases)(
    '%s (Kafka client %s) starts from its deployed folder, answers SERVING to the probe, and exits 0 on SIGTERM',
    async (service, kafkaClient) => {
      const entry = deployed.get(service)!;
      // The health port is picked just before the start, and picked again if another process took it
      // in between (the probe's port is released before the service binds it): a real start failure
      // fails all three tries.
      let started: ServiceProcess | undefined;
      for (let attempt = 1; !started; attempt += 1) {
        entry.healthUrl = await freePort();
        started = await start(entry, service, kafkaClient).catch((error: unknown) => {
          if (attempt === 3 || !/exited early/.test(String(error))) throw error;
          return undefined;
        });
      }
      entry.process = started;
      const probe = (args: string[], env: Record<string, string>) =>
        run(process.execPath, [PROBE, ...args], { cwd: entry.dir, env: { PATH: process.env.PATH ?? '', ...env } });

      // The image's HEALTHCHECK: GRPC_HEALTH_URL from the environment; then the main port by argument.
      await eventually(async () => expect((await probe([], { GRPC_HEALTH_URL: entry.healthUrl })).stdout).toContain('SERVING'), 30_000);
      expect((await probe([started.address], {})).stdout).toContain('SERVING');

      expect(await started.stop(20_000)).toBe(0);
      entry.process = undefined;
      await expect(probe([], { GRPC_HEALTH_URL: entry.healthUrl })).rejects.toMatchObject({ code: 1 });
    },
  );
});
