import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkHealth, listReflectedServices } from '@switchyard/service-host';
import type { ServiceProcess } from '@switchyard/service-host/testing';
import { PlacementFixture } from './support/placement-fixture.js';

describe('placement service process', () => {
  const fixture = new PlacementFixture('postgres');
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    await fixture.setUp();
    service = await fixture.startService();
  }, 60_000);

  afterAll(async () => {
    await fixture.tearDown();
  }, 30_000);

  it('answers grpc.health.v1 Health/Check with SERVING', async () => {
    expect(await checkHealth(service!.address)).toBe('SERVING');
  });

  it('lists grpc.health.v1.Health and switchyard.v1.ProviderService through server reflection', async () => {
    const services = await listReflectedServices(service!.address);
    expect(services).toContain('grpc.health.v1.Health');
    expect(services).toContain('switchyard.v1.ProviderService');
  });

  it('exits with code 0 within 5 s of SIGTERM', async () => {
    const started = Date.now();
    const code = await service!.stop(10_000);
    if (Date.now() - started > 5000) console.log(service!.logs.slice(-15));
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 15_000);
});
