// Per-tenant call rates on JobService, over a real socket against real PostgreSQL: a tenant past
// its burst is answered RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo, other tenants are
// unaffected, and the tenant is admitted again once the RetryInfo delay has passed.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { decodeStatusDetails } from '@switchyard/service-host';
import { call, callError, startIntakeFixture, type IntakeFixture } from './support/intake-fixture.js';

jest.setTimeout(60_000);

describe('intake: per-tenant rate limit', () => {
  let fixture: IntakeFixture;

  beforeAll(async () => {
    fixture = await startIntakeFixture('postgres', undefined, { tenantRateLimit: { perSecond: 2, burst: 3 } });
  });
  afterAll(() => fixture?.close());

  it('answers RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo past the burst, per tenant, and admits again after the delay', async () => {
    const acme = fixture.client('acme');
    const list = api.ListJobsRequest.fromPartial({ pageSize: 1 });
    for (let i = 0; i < 3; i++) await call(acme, 'listJobs', list);

    const error = await callError(acme, 'listJobs', list);
    expect(error.code).toBe(8);
    const status = decodeStatusDetails(error)!;
    const quota = status.details.find((d) => d.type === 'google.rpc.QuotaFailure')!.value as { violations: { subject: string }[] };
    expect(quota.violations[0]!.subject).toBe('tenant:acme');
    const retry = status.details.find((d) => d.type === 'google.rpc.RetryInfo')!.value as {
      retry_delay: { seconds: string; nanos: number };
    };
    const delayMs = Number(retry.retry_delay.seconds) * 1000 + retry.retry_delay.nanos / 1e6;
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThanOrEqual(500);

    // Another tenant has a bucket of its own.
    await call(fixture.client('globex'), 'listJobs', list);
    await new Promise((resolve) => setTimeout(resolve, delayMs + 20));
    await expect(call(acme, 'listJobs', list)).resolves.toBeDefined();
  });

  it('authenticates before it limits: an unknown key is UNAUTHENTICATED, not counted against anyone', async () => {
    const error = await callError(fixture.anonymousClient(), 'listJobs', api.ListJobsRequest.fromPartial({}));
    expect(error.code).toBe(16);
  });
});
