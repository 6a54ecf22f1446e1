import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkHealth, listReflectedServices } from '@switchyard/service-host';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { databaseUrl, uniqueName } from '@switchyard/testing';
import pg from 'pg';
import { withSearchPath } from '../src/config.js';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

// The service as `pnpm start` runs it: its own process, the PostgreSQL event log, no tenants file.
describe('intake service process', () => {
  const suffix = randomBytes(5).toString('hex');
  const schema = `intake_proc_${suffix}`;
  const logSchema = `intake_proc_log_${suffix}`;
  let service: ServiceProcess | undefined;

  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await admin(`CREATE SCHEMA "${logSchema}"`);
    service = await startServiceProcess({
      cwd: serviceDir,
      env: {
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: schema,
        EVENT_LOG_BACKEND: 'postgres',
        EVENT_LOG_DATABASE_URL: withSearchPath(databaseUrl(), logSchema),
        SWITCHYARD_TOPIC_PREFIX: `${uniqueName('intake-proc')}.`,
        SWITCHYARD_TENANTS_FILE: '',
      },
      startTimeoutMs: 30_000,
    });
  }, 40_000);

  afterAll(async () => {
    await service?.stop();
    await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin(`DROP SCHEMA IF EXISTS "${logSchema}" CASCADE`);
  });

  it('answers grpc.health.v1 Health/Check with SERVING, for the server and for JobService', async () => {
    expect(await checkHealth(service!.address)).toBe('SERVING');
    expect(await checkHealth(service!.address, 'switchyard.v1.JobService')).toBe('SERVING');
  });

  it('lists grpc.health.v1.Health and switchyard.v1.JobService through server reflection', async () => {
    expect(await listReflectedServices(service!.address)).toEqual(
      expect.arrayContaining(['grpc.health.v1.Health', 'switchyard.v1.JobService']),
    );
  });

  it('exits with code 0 within 5 s of SIGTERM', async () => {
    expect(await service!.stop(5000)).toBe(0);
  });
});
