import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkHealth, listReflectedServices } from '@switchyard/service-host';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { createTestSchema, databaseUrl, uniqueName, type TestSchema } from '@switchyard/testing';
import pg from 'pg';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

describe('metering service process', () => {
  let service: ServiceProcess | undefined;
  const schema = uniqueName('metering_health').replace(/-/g, '_');
  let logSchema: TestSchema | undefined;

  beforeAll(async () => {
    // Its own schemas (service tables, and the PostgreSQL event log of the zero-setup run), so
    // this file never sees another test's data. The Kafka backend is covered by usage-metering.int.spec.ts.
    logSchema = await createTestSchema('mhlog');
    service = await startServiceProcess({
      cwd: serviceDir,
      startTimeoutMs: 40_000,
      env: {
        DATABASE_URL: databaseUrl(),
        EVENT_LOG_BACKEND: 'postgres',
        EVENT_LOG_DATABASE_URL: logSchema.url,
        DATABASE_SCHEMA: schema,
        METERING_CONSUMER_GROUP: uniqueName('metering'),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    const db = new pg.Client({ connectionString: databaseUrl() });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    await logSchema?.drop();
  }, 30_000);

  it('answers grpc.health.v1 Health/Check with SERVING', async () => {
    expect(await checkHealth(service!.address)).toBe('SERVING');
  });

  it('lists grpc.health.v1.Health through server reflection', async () => {
    expect(await listReflectedServices(service!.address)).toContain('grpc.health.v1.Health');
  });

  it('exits with code 0 within 5 s of SIGTERM', async () => {
    expect(await service!.stop(5000)).toBe(0);
  });
});
