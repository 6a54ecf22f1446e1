import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkHealth, listReflectedServices } from '@switchyard/service-host';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { databaseUrl, uniqueName } from '@switchyard/testing';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

describe('metering service process', () => {
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    // Its own schema and topics, so this file never sees another test's data.
    service = await startServiceProcess({
      cwd: serviceDir,
      startTimeoutMs: 40_000,
      env: {
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: uniqueName('metering_health').replace(/-/g, '_'),
        SWITCHYARD_TOPIC_PREFIX: `${uniqueName('mh')}.`,
        METERING_CONSUMER_GROUP: uniqueName('metering'),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
  });

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
