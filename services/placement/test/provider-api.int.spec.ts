// The provider API end to end: real placement processes, real PostgreSQL, the real broker, real
// gRPC clients over sockets. Given job events on the jobs topic, then placement's events there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { decodeStatusDetails } from '@switchyard/service-host';
import { eventually, PlacementFixture, ProviderClient, shortType } from './support/placement-fixture.js';

describe.each(['kafka', 'postgres'] as const)('placement provider API (%s event log)', (backend) => {
  const fixture = new PlacementFixture(backend);
  let address = '';
  const clients: ProviderClient[] = [];
  const provider = (): ProviderClient => {
    const client = new ProviderClient(address);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    await fixture.setUp();
    address = (await fixture.startService()).address;
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await fixture.tearDown();
  }, 60_000);

  it('registers a provider with an operator key, returns a token, and appends ProviderRegistered', async () => {
    const gpu = provider();
    const response = await gpu.register(fixture.operators[0]!);
    expect(response.providerId).toMatch(/^prv_/);
    expect(response.heartbeatIntervalMs).toBe(10_000);
    expect(gpu.token).toMatch(/^spt_/);
    await gpu.heartbeat();
    const stored = await fixture.db.query('SELECT token_hash FROM providers WHERE provider_id = $1', [gpu.providerId]);
    expect(stored.rows[0].token_hash).not.toContain(gpu.token);
    await eventually(async () => expect((await fixture.providerEvents(gpu.providerId)).map((e) => e.type)).toEqual(['ProviderRegistered']));
  }, 30_000);

  it('re-registering the same endpoint keeps the provider id, rotates the token, appends nothing new; heartbeats append only changes', async () => {
    const first = provider();
    const endpoint = 'https://same.example.net:8443';
    await first.register(fixture.operators[0]!, { endpoint });
    const oldToken = first.token;
    const again = provider();
    await again.register(fixture.operators[0]!, { endpoint });
    expect(again.providerId).toBe(first.providerId);
    expect(again.token).not.toBe(oldToken);
    await expect(first.heartbeat()).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await again.heartbeat();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fixture.providerEvents(first.providerId)).map((e) => e.type)).toEqual(['ProviderRegistered']);
    // A sequence at or below the last one is ignored: no capacity change is recorded from it.
    await again.heartbeat(3, api.HealthStatus.HEALTH_STATUS_HEALTHY, 1n);
    const row = await fixture.db.query('SELECT reported_gpus_in_use FROM providers WHERE provider_id = $1', [again.providerId]);
    expect(row.rows[0].reported_gpus_in_use).toBe(0);
    await expect(again.heartbeat(99)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    // A change of capacity or health is an event; the same values again are not.
    await again.heartbeat(2, api.HealthStatus.HEALTH_STATUS_DEGRADED);
    await again.heartbeat(2, api.HealthStatus.HEALTH_STATUS_DEGRADED);
    await eventually(async () => {
      const events = await fixture.providerEvents(first.providerId);
      expect(events.map((e) => e.type)).toEqual(['ProviderRegistered', 'ProviderCapacityChanged']);
      expect(events[1]!.event.providerCapacityChanged).toMatchObject({
        gpusInUse: 2,
        totalGpus: 4,
        health: api.HealthStatus.HEALTH_STATUS_DEGRADED,
      });
    });
  }, 30_000);

  it('rejects a registration with INVALID_ARGUMENT naming each field, and a bad key with UNAUTHENTICATED', async () => {
    const gpu = provider();
    const error = (await gpu
      .register(fixture.operators[0]!, { region: '', endpoint: 'not a url', gpus: [{ gpuClass: '', count: 0, vramGib: 80 }] })
      .catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    const details = decodeStatusDetails(error)!;
    const violations = (details.details[0]!.value as { field_violations: { field: string }[] }).field_violations.map((v) => v.field);
    expect(violations).toEqual(['region', 'endpoint', 'gpus[0].gpu_class', 'gpus[0].count']);
    await expect(gpu.register({ operatorId: 'op-north', apiKey: 'wrong' })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(gpu.register(fixture.operators[0]!, { operatorId: 'op-south' })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  }, 30_000);

  it('places a classified job: JobPlaced on the topic and the assignment on the provider stream; reports append started, completed and usage once', async () => {
    const gpu = provider();
    await gpu.register(fixture.operators[1]!, { gpus: [{ gpuClass: 'a10g-24g', count: 2, vramGib: 24 }] });
    await gpu.heartbeat();
    const feed = gpu.stream();
    const jobId = await fixture.submitClassifiedJob({ spec: { gpuClass: 'a10g-24g', gpuCount: 1, minVramGib: 16 } });

    const assignment = await eventually(() => {
      const found = feed.assignments().find((a) => a.jobId === jobId);
      if (!found) throw new Error('no assignment yet');
      return found;
    });
    expect(assignment).toMatchObject({ jobId, attempt: 1, tier: api.Tier.TIER_STANDARD, spec: { gpuClass: 'a10g-24g', gpuCount: 1 } });
    const placed = await eventually(async () => {
      const found = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobPlaced');
      if (!found) throw new Error('no JobPlaced yet');
      return found.event.jobPlaced!;
    });
    expect(placed).toMatchObject({ jobId, providerId: gpu.providerId, operatorId: 'op-south', attempt: 1 });
    expect(placed.decision?.chosenProviderId).toBe(gpu.providerId);

    await gpu.started(jobId, 1);
    await gpu.started(jobId, 1);
    await gpu.completed(jobId, 1, `${jobId}-usage`);
    await gpu.completed(jobId, 1, `${jobId}-usage`);
    await expect(gpu.started('no-such-job', 1)).rejects.toMatchObject({ code: status.NOT_FOUND });

    await eventually(async () => {
      const types = (await fixture.jobEvents(jobId)).map((e) => e.type);
      expect(types).toEqual(['JobSubmitted', 'JobClassified', 'JobPlaced', 'JobStarted', 'JobCompleted']);
    });
    // The usage topic gets its event from the same outbox; the relay may append it a moment later.
    const usage = await eventually(async () => {
      const found = (await fixture.eventsOn('usage')).filter((e) => e.envelope.subject === jobId);
      expect(found.map((e) => shortType(e.envelope.type))).toEqual(['UsageReported']);
      return found;
    });
    expect(usage[0]!.envelope.data).toMatchObject({
      usageReported: { reportId: `${jobId}-usage`, attempt: 1, amounts: { gpuMilliseconds: '61000' } },
    });
    const capacity = await fixture.db.query('SELECT reserved FROM provider_capacity WHERE provider_id = $1', [gpu.providerId]);
    expect(capacity.rows).toEqual([{ reserved: 0 }]);
    feed.cancel();
  }, 60_000);

  it('queues a job no provider can take, with reasons, and places it when a fitting provider registers', async () => {
    const jobId = await fixture.submitClassifiedJob({ spec: { gpuClass: 'h100-80g', gpuCount: 2, minVramGib: 80 } });
    const queued = await eventually(async () => {
      const found = (await fixture.jobEvents(jobId)).find((e) => e.type === 'JobQueued');
      if (!found) throw new Error('no JobQueued yet');
      return found.event.jobQueued!;
    });
    expect(queued.reasons.length).toBeGreaterThan(0);
    expect(queued.rejections.length).toBeGreaterThan(0);

    const gpu = provider();
    await gpu.register(fixture.operators[2]!, { gpus: [{ gpuClass: 'h100-80g', count: 8, vramGib: 80 }] });
    const feed = gpu.stream();
    await eventually(() => expect(feed.assignments().map((a) => a.jobId)).toContain(jobId));
    await eventually(async () =>
      expect((await fixture.jobEvents(jobId)).map((e) => e.type)).toEqual(['JobSubmitted', 'JobClassified', 'JobQueued', 'JobPlaced']),
    );
    feed.cancel();
  }, 60_000);

  it('never places a cancelled job, and tells the provider to stop a placed one and frees its GPUs', async () => {
    const waiting = await fixture.submitClassifiedJob({ spec: { gpuClass: 'l4-24g', gpuCount: 1, minVramGib: 16 } });
    await eventually(async () => expect((await fixture.jobEvents(waiting)).map((e) => e.type)).toContain('JobQueued'));
    await fixture.requestCancel(waiting);
    await eventually(async () => expect((await fixture.jobEvents(waiting)).map((e) => e.type)).toContain('JobCancelled'));

    const gpu = provider();
    await gpu.register(fixture.operators[0]!, { gpus: [{ gpuClass: 'l4-24g', count: 1, vramGib: 24 }] });
    const feed = gpu.stream();
    const running = await fixture.submitClassifiedJob({ spec: { gpuClass: 'l4-24g', gpuCount: 1, minVramGib: 16 } });
    await eventually(() => expect(feed.assignments().map((a) => a.jobId)).toEqual([running]));
    await gpu.started(running, 1);
    await fixture.requestCancel(running);
    await eventually(() => expect(feed.stops()).toEqual([{ jobId: running, attempt: 1, reason: api.StopReason.STOP_REASON_CANCELLED }]));
    await eventually(async () => {
      const capacity = await fixture.db.query('SELECT reserved FROM provider_capacity WHERE provider_id = $1', [gpu.providerId]);
      expect(capacity.rows).toEqual([{ reserved: 0 }]);
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fixture.jobEvents(waiting)).map((e) => e.type)).toEqual([
      'JobSubmitted',
      'JobClassified',
      'JobQueued',
      'JobCancelRequested',
      'JobCancelled',
    ]);
    expect(feed.assignments().map((a) => a.jobId)).toEqual([running]);
    await expect(gpu.completed(running, 1)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    feed.cancel();
  }, 60_000);

  it('refuses a re-registration that offers fewer GPUs than placed jobs hold', async () => {
    const gpu = provider();
    const endpoint = `https://shrink-${backend}.example.net:8443`;
    await gpu.register(fixture.operators[2]!, { endpoint, gpus: [{ gpuClass: 'a40-48g', count: 2, vramGib: 48 }] });
    const jobId = await fixture.submitClassifiedJob({ spec: { gpuClass: 'a40-48g', gpuCount: 2, minVramGib: 40 } });
    await eventually(async () => expect((await fixture.jobEvents(jobId)).map((e) => e.type)).toContain('JobPlaced'));
    const error = (await gpu
      .register(fixture.operators[2]!, { endpoint, gpus: [{ gpuClass: 'a40-48g', count: 1, vramGib: 48 }] })
      .catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    await gpu.register(fixture.operators[2]!, { endpoint, gpus: [{ gpuClass: 'a40-48g', count: 3, vramGib: 48 }] });
    const capacity = await fixture.db.query('SELECT total, reserved FROM provider_capacity WHERE provider_id = $1', [gpu.providerId]);
    expect(capacity.rows).toEqual([{ total: 3, reserved: 2 }]);
  }, 30_000);

  it('resumes a stream from a cursor without repeating or losing a message', async () => {
    const gpu = provider();
    await gpu.register(fixture.operators[1]!, { gpus: [{ gpuClass: 't4-16g', count: 4, vramGib: 16 }] });
    const first = gpu.stream();
    const a = await fixture.submitClassifiedJob({ spec: { gpuClass: 't4-16g', gpuCount: 1, minVramGib: 8 } });
    await eventually(() => expect(first.assignments().map((x) => x.jobId)).toEqual([a]));
    const cursor = first.received.at(-1)!.cursor;
    first.cancel();
    const b = await fixture.submitClassifiedJob({ spec: { gpuClass: 't4-16g', gpuCount: 1, minVramGib: 8 } });
    const resumed = gpu.stream(cursor);
    await eventually(() => expect(resumed.assignments().map((x) => x.jobId)).toEqual([b]));
    const fresh = gpu.stream();
    await eventually(() =>
      expect(
        fresh
          .assignments()
          .map((x) => x.jobId)
          .sort(),
      ).toEqual([a, b].sort()),
    );
    resumed.cancel();
    fresh.cancel();
  }, 60_000);
});
