import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkHealth, listReflectedServices } from '@switchyard/service-host';
import { payoutFixture, type PayoutFixture } from './support/payout-fixture.js';

describe('payout service process', () => {
  let fx: PayoutFixture | undefined;

  beforeAll(async () => {
    fx = await payoutFixture();
    await fx.start();
  }, 90_000);

  afterAll(async () => {
    await fx?.close();
  }, 60_000);

  it('answers grpc.health.v1 Health/Check with SERVING', async () => {
    expect(await checkHealth(fx!.service!.address)).toBe('SERVING');
  });

  it('lists grpc.health.v1.Health and switchyard.v1.PayoutService through server reflection', async () => {
    const services = await listReflectedServices(fx!.service!.address);
    expect(services).toContain('grpc.health.v1.Health');
    expect(services).toContain('switchyard.v1.PayoutService');
  });

  it('exits with code 0 within 10 s of SIGTERM', async () => {
    // The Kafka consumer leaves its group after its in-flight fetch returns (up to 5 s).
    expect(await fx!.service!.stop(10_000)).toBe(0);
  }, 15_000);
});
