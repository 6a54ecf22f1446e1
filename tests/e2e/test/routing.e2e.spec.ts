// Routing end to end: intake, classifier and two placement instances as real processes, real
// gRPC clients over sockets, a real event log (Kafka, then the PostgreSQL log) and PostgreSQL.
import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, events, type TopicName } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import { decodeStatusDetails } from '@switchyard/service-host';
import { JobApi, OPERATORS, TENANTS, TestProvider, eventually, startStack, type ProviderShape, type Stack } from '../src/index.js';

const { Tier, JobState } = api;

async function readTopic(stack: Stack, name: TopicName): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  for await (const event of stack.log.read({ topic: `${stack.topicPrefix}${name}` })) out.push(event);
  return out;
}

const spec = (overrides: Partial<api.JobSpec>): Partial<api.JobSpec> => ({
  modelRef: 'llama-3.1-8b',
  gpuClass: 'a100-80g',
  gpuCount: 1,
  minVramGib: 40,
  estimatedDurationSeconds: 600,
  ...overrides,
});
const inference = (gpuClass = 'a100-80g'): Partial<api.JobSpec> =>
  spec({ kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE, maxLatencyMs: 500, gpuClass });
const batch = (gpuClass = 'a100-80g'): Partial<api.JobSpec> => spec({ kind: api.WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE, gpuClass });

describe.each(['kafka', 'postgres'] as const)('routing end to end (%s event log)', (backend) => {
  let stack: Stack;
  let acme: JobApi;
  let globex: JobApi;
  const providers: TestProvider[] = [];
  let seq = 0;
  const submit = async (jobSpec: Partial<api.JobSpec>, client = acme): Promise<string> =>
    (await client.submit({ idempotencyKey: `k-${backend}-${++seq}`, spec: jobSpec as api.JobSpec })).job!.id;
  const jobOf = async (jobId: string): Promise<api.Job> => (await acme.get(jobId)).job!;
  const waitFor = (jobId: string, state: api.JobState, timeoutMs = 30_000): Promise<api.Job> =>
    eventually(async () => {
      const job = await jobOf(jobId);
      expect(job.state).toBe(state);
      return job;
    }, timeoutMs);
  const register = async (shape: ProviderShape): Promise<TestProvider> => {
    const provider = await TestProvider.register(stack.placementAddresses[providers.length % stack.placementAddresses.length]!, shape);
    providers.push(provider);
    return provider;
  };
  const operatorOf = (providerId: string): string => providers.find((p) => p.providerId === providerId)!.shape.operatorId;

  beforeAll(async () => {
    stack = await startStack({
      backend,
      services: ['intake', 'classifier', 'placement'],
      placementInstances: 2,
      serviceEnv: { placement: { HEARTBEAT_INTERVAL_MS: '500', LIVENESS_CHECK_PERIOD_MS: '250', QUEUE_RETRY_PERIOD_MS: '500' } },
    });
    acme = new JobApi(stack.address.intake!, TENANTS.acme.apiKey);
    globex = new JobApi(stack.address.intake!, TENANTS.globex.apiKey);
  }, 240_000);

  afterAll(async () => {
    providers.forEach((p) => p.close());
    acme?.close();
    globex?.close();
    await stack?.stop();
  }, 60_000);

  let fastest: TestProvider;
  let realtimeJob: string;
  const batchJobs: string[] = [];

  it('REALTIME lands on the lowest-latency reputable provider; its stream gets the assignment', async () => {
    const a100 = (operator: keyof typeof OPERATORS, region: string, latencyMs: number, price: number): ProviderShape => ({
      operatorKey: OPERATORS[operator].apiKey,
      operatorId: OPERATORS[operator].operatorId,
      region,
      gpuClass: 'a100-80g',
      gpus: 4,
      pricePerGpuHourBaseUnits: price,
      latencyMs,
    });
    fastest = await register(a100('north', 'eu-west', 20, 3_000_000));
    await register(a100('south', 'us-east', 90, 1_500_000));
    await register(a100('east', 'ap-south', 160, 1_000_000));
    await register(a100('north', 'us-east', 120, 1_200_000));
    await register(a100('south', 'eu-west', 60, 2_500_000));
    await register(a100('east', 'eu-west', 140, 900_000));

    realtimeJob = await submit(inference());
    const placed = await waitFor(realtimeJob, JobState.JOB_STATE_PLACED);
    expect(placed.tier).toBe(Tier.TIER_REALTIME);
    expect(placed.placement?.providerId).toBe(fastest.providerId);
    await eventually(() => expect(fastest.hasJob(realtimeJob)).toBe(true));

    // One trace per job: the SubmitJob server span's trace runs through every service's events.
    const traceIds = await eventually(async () => {
      const ofJob = (await readTopic(stack, 'jobs')).filter((e) => e.key === realtimeJob);
      expect(ofJob.map((e) => e.envelope.type.split('.').pop())).toEqual(
        expect.arrayContaining(['JobSubmitted', 'JobClassified', 'JobPlaced']),
      );
      return ofJob.map((e) => e.envelope.traceparent?.split('-')[1]);
    });
    expect(traceIds[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(traceIds)).toEqual(new Set([traceIds[0]]));
  }, 60_000);

  it('BATCH spreads across operators within the share cap', async () => {
    for (let i = 0; i < 6; i++) batchJobs.push(await submit(batch()));
    const placed = await Promise.all(batchJobs.map((id) => waitFor(id, JobState.JOB_STATE_PLACED)));
    expect(placed.every((job) => job.tier === Tier.TIER_BATCH)).toBe(true);
    const perOperator = new Map<string, number>();
    for (const job of placed)
      perOperator.set(operatorOf(job.placement!.providerId), (perOperator.get(operatorOf(job.placement!.providerId)) ?? 0) + 1);
    // A 40% cap on 6 active jobs: no operator may hold a third one.
    expect([...perOperator.values()].sort()).toEqual([2, 2, 2]);
  }, 60_000);

  it('a provider starts and completes a job; a duplicate report changes nothing', async () => {
    await fastest.start(realtimeJob);
    await waitFor(realtimeJob, JobState.JOB_STATE_RUNNING);
    const usage = { reportId: `r-${realtimeJob}`, gpuMilliseconds: 600_000, tokens: 1200 };
    await fastest.complete(realtimeJob, usage);
    await fastest.complete(realtimeJob, usage);
    const done = await waitFor(realtimeJob, JobState.JOB_STATE_COMPLETED);
    expect(done.resultHash).toBe(`sha256:${realtimeJob}`);
    await eventually(async () => {
      const completed = (await readTopic(stack, 'jobs')).filter((e) => e.key === realtimeJob && e.envelope.type.endsWith('.JobCompleted'));
      expect(completed).toHaveLength(1);
    });
  }, 60_000);

  it('a provider that stops heartbeating loses its jobs: they are requeued, placed elsewhere and complete there', async () => {
    const victim = providers.find((p) => batchJobs.some((id) => p.hasJob(id)))!;
    const victimJobs = batchJobs.filter((id) => victim.hasJob(id));
    victim.goSilent();
    for (const jobId of victimJobs) {
      const replaced = await eventually(async () => {
        const job = await jobOf(jobId);
        expect(job.state).toBe(JobState.JOB_STATE_PLACED);
        expect(job.placement?.providerId).not.toBe(victim.providerId);
        return job;
      }, 45_000);
      expect(attemptOf(replaced)).toBe(2);
      const rescuer = providers.find((p) => p.providerId === replaced.placement!.providerId)!;
      await eventually(() => expect(rescuer.hasJob(jobId)).toBe(true));
      await rescuer.start(jobId);
      await rescuer.complete(jobId, { reportId: `r-${jobId}-2`, gpuMilliseconds: 600_000 });
      await waitFor(jobId, JobState.JOB_STATE_COMPLETED);
    }
    const requeued = (await readTopic(stack, 'jobs')).filter((e) => e.envelope.type.endsWith('.JobRequeued') && victimJobs.includes(e.key));
    expect(requeued.map((e) => events.JobEvent.fromJSON(e.envelope.data).jobRequeued!.excludedProviderIds)).toEqual(
      victimJobs.map(() => [victim.providerId]),
    );
  }, 120_000);

  it('without capacity jobs queue with reasons, then are placed in tier-then-age order as capacity comes', async () => {
    const batchFirst = await submit(batch('h100-80g'));
    const realtimeSecond = await submit(inference('h100-80g'));
    await waitFor(batchFirst, JobState.JOB_STATE_QUEUED);
    await waitFor(realtimeSecond, JobState.JOB_STATE_QUEUED);
    const queued = (await readTopic(stack, 'jobs')).find((e) => e.key === batchFirst && e.envelope.type.endsWith('.JobQueued'))!;
    const reasons = events.JobEvent.fromJSON(queued.envelope.data).jobQueued!;
    expect(reasons.reasons.length).toBeGreaterThan(0);
    expect(reasons.rejections.map((r) => r.reason)).toContain('REJECTION_REASON_GPU_CLASS_MISMATCH');

    const h100 = await register({
      ...OPERATORS.east,
      operatorKey: OPERATORS.east.apiKey,
      region: 'eu-west',
      gpuClass: 'h100-80g',
      gpus: 1,
      pricePerGpuHourBaseUnits: 2_000_000,
      latencyMs: 30,
    });
    await waitFor(realtimeSecond, JobState.JOB_STATE_PLACED);
    expect((await jobOf(batchFirst)).state).toBe(JobState.JOB_STATE_QUEUED); // one GPU: the higher tier went first
    await eventually(() => expect(h100.hasJob(realtimeSecond)).toBe(true));
    await h100.start(realtimeSecond);
    await h100.complete(realtimeSecond, { reportId: `r-${realtimeSecond}`, gpuMilliseconds: 1000 });
    const batchPlaced = await waitFor(batchFirst, JobState.JOB_STATE_PLACED);
    expect(batchPlaced.placement?.providerId).toBe(h100.providerId);
  }, 120_000);

  it('a cancelled job is never placed, even when capacity arrives', async () => {
    // 16 GiB: the L4s registered below could run it.
    const l4Job = (): Partial<api.JobSpec> => ({ ...batch('l4-24g'), minVramGib: 16 });
    const jobId = await submit(l4Job());
    await waitFor(jobId, JobState.JOB_STATE_QUEUED);
    await acme.cancel(jobId);
    await waitFor(jobId, JobState.JOB_STATE_CANCELLED);
    const l4 = await register({
      ...OPERATORS.south,
      operatorKey: OPERATORS.south.apiKey,
      region: 'eu-west',
      gpuClass: 'l4-24g',
      gpus: 2,
      vramGib: 24,
      pricePerGpuHourBaseUnits: 500_000,
      latencyMs: 40,
    });
    // A barrier instead of a sleep: a job submitted after the cancel, of the same class, is placed
    // on the new capacity; placement has seen both by then, and still not placed the cancelled one.
    const probe = await submit(l4Job());
    await waitFor(probe, JobState.JOB_STATE_PLACED);
    await eventually(() => expect(l4.hasJob(probe)).toBe(true));
    expect(l4.hasJob(jobId)).toBe(false);
    expect((await readTopic(stack, 'jobs')).some((e) => e.key === jobId && e.envelope.type.endsWith('.JobPlaced'))).toBe(false);
  }, 60_000);

  it('duplicate submissions give the same job; invalid specs name the field; other tenants get NOT_FOUND', async () => {
    const request = { idempotencyKey: `dup-${backend}`, spec: batch() as api.JobSpec };
    const [first, second] = [await acme.submit(request), await acme.submit(request)];
    expect(second.job!.id).toBe(first.job!.id);
    await waitFor(first.job!.id, JobState.JOB_STATE_PLACED);
    const submissions = (await readTopic(stack, 'jobs')).filter(
      (e) => e.key === first.job!.id && e.envelope.type.endsWith('.JobSubmitted'),
    );
    expect(submissions).toHaveLength(1);

    const invalid = await acme
      .submit({
        idempotencyKey: `bad-${backend}`,
        spec: spec({ kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE, gpuCount: 0 }) as api.JobSpec,
      })
      .catch((e: ServiceError) => e);
    expect((invalid as ServiceError).code).toBe(status.INVALID_ARGUMENT);
    const details = decodeStatusDetails(invalid as ServiceError);
    expect(JSON.stringify(details)).toContain('spec.gpu_count');

    const foreign = await globex.get(first.job!.id).catch((e: ServiceError) => e);
    expect((foreign as ServiceError).code).toBe(status.NOT_FOUND);
  }, 60_000);

  it('a three-step pipeline runs in order, each step waiting with its reason; a failed step fails the steps after it', async () => {
    const pipe = await register({
      ...OPERATORS.south,
      operatorKey: OPERATORS.south.apiKey,
      region: 'eu-west',
      gpuClass: 'a10g-24g',
      gpus: 2,
      vramGib: 24,
      pricePerGpuHourBaseUnits: 800_000,
      latencyMs: 40,
    });
    const step = (dependsOn: string[]): Partial<api.JobSpec> =>
      spec({
        kind: api.WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP,
        gpuClass: 'a10g-24g',
        minVramGib: 16,
        dependsOn: dependsOn.map((jobId) => ({ jobId, outputSizeBytes: '50000000000' })),
      });
    const first = await submit(step([]));
    const second = await submit(step([first]));
    const third = await submit(step([second]));
    for (const [jobId, waitsFor] of [
      [second, first],
      [third, second],
    ] as const) {
      const queued = await waitFor(jobId, JobState.JOB_STATE_QUEUED);
      expect(queued.queue!.reasons).toEqual([`waits for 1 job it depends on to complete: ${waitsFor}`]);
    }
    for (const [jobId, next] of [
      [first, second],
      [second, third],
      [third, undefined],
    ] as const) {
      await waitFor(jobId, JobState.JOB_STATE_PLACED);
      await eventually(() => expect(pipe.hasJob(jobId)).toBe(true));
      if (next !== undefined) expect((await jobOf(next)).state).toBe(JobState.JOB_STATE_QUEUED);
      await pipe.start(jobId);
      await pipe.complete(jobId, { reportId: `r-${jobId}`, gpuMilliseconds: 60_000 });
      await waitFor(jobId, JobState.JOB_STATE_COMPLETED);
    }
    // Each step was placed only after the step before it completed, in the log.
    const log = (await readTopic(stack, 'jobs')).filter((e) => [first, second, third].includes(e.key));
    const at = (jobId: string, type: string) => log.findIndex((e) => e.key === jobId && e.envelope.type.endsWith(type));
    expect(at(second, '.JobPlaced')).toBeGreaterThan(-1);
    expect(new Date(log[at(second, '.JobPlaced')]!.envelope.time).getTime()).toBeGreaterThanOrEqual(
      new Date(log[at(first, '.JobCompleted')]!.envelope.time).getTime(),
    );
    expect(new Date(log[at(third, '.JobPlaced')]!.envelope.time).getTime()).toBeGreaterThanOrEqual(
      new Date(log[at(second, '.JobCompleted')]!.envelope.time).getTime(),
    );

    const extract = await submit(step([]));
    const transform = await submit(step([extract]));
    const load = await submit(step([transform]));
    await waitFor(load, JobState.JOB_STATE_QUEUED);
    await waitFor(extract, JobState.JOB_STATE_PLACED);
    await eventually(() => expect(pipe.hasJob(extract)).toBe(true));
    await pipe.start(extract);
    await pipe.fail(extract, false, api.FailureCategory.FAILURE_CATEGORY_WORKLOAD);
    for (const [jobId, dependency] of [
      [transform, extract],
      [load, transform],
    ] as const) {
      const failed = await waitFor(jobId, JobState.JOB_STATE_FAILED);
      expect(failed.failureCategory).toBe(api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY);
      expect(failed.failureMessage).toBe(`job ${dependency}, which it depends on, ended FAILED instead of completing`);
      expect(pipe.hasJob(jobId)).toBe(false);
    }
  }, 120_000);

  describe('gangs split over providers', () => {
    // One operator's providers in one region, 4 GPUs each: an 8-GPU gang needs two of them.
    const h100 = (region = 'eu-central'): ProviderShape => ({
      ...OPERATORS.east,
      operatorKey: OPERATORS.east.apiKey,
      region,
      gpuClass: 'h100-80g',
      gpus: 4,
      pricePerGpuHourBaseUnits: 4_000_000,
      latencyMs: 30,
    });
    const gang = spec({
      kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING,
      gpuClass: 'h100-80g',
      gpuCount: 8,
      minVramGib: 80,
      gangDomain: api.GangDomain.GANG_DOMAIN_OPERATOR_REGION,
    });
    const S = api.StopReason;
    let first: TestProvider;
    let second: TestProvider;
    let gangB: string;
    const membersOf = (job: api.Job): string[] => (job.placement?.gangMembers ?? []).map((m) => m.providerId).sort();

    it('two competing gangs: the first takes a whole domain, the second waits holding nothing and saying why, then takes it', async () => {
      first = await register(h100());
      second = await register(h100());
      await register(h100('us-east')); // same operator, another region: no help to either gang
      // Both arrive together: whichever is decided first takes the domain whole, the other waits.
      const both = [await submit(gang), await submit(gang)];
      const decided = await eventually(async () => {
        const jobs = await Promise.all(both.map(jobOf));
        expect(jobs.map((j) => j.state).sort()).toEqual([JobState.JOB_STATE_PLACED, JobState.JOB_STATE_QUEUED]);
        return jobs;
      }, 30_000);
      const a = decided.find((j) => j.state === JobState.JOB_STATE_PLACED)!;
      const b = decided.find((j) => j.state === JobState.JOB_STATE_QUEUED)!;
      const gangA = a.id;
      gangB = b.id;
      expect(a.tier).toBe(Tier.TIER_TRAINING);
      expect(membersOf(a)).toEqual([first.providerId, second.providerId].sort());
      expect(a.placement!.gangMembers.map((m) => m.gpuCount)).toEqual([4, 4]);
      expect(b.queue!.reasons).toContain('needs 8 h100-80g in one operator and region, the largest free block is 4');
      // Every member was assigned the gang with its own part; nobody was assigned a part of B.
      for (const member of [first, second]) {
        await eventually(() => expect(member.hasJob(gangA)).toBe(true));
        const assignment = member.assignments.find((x) => x.jobId === gangA)!;
        expect(assignment.gang).toMatchObject({ leadProviderId: a.placement!.providerId, gpuCount: 4 });
        expect(member.hasJob(gangB)).toBe(false);
      }
      const lead = providers.find((p) => p.providerId === a.placement!.providerId)!;
      const member = lead === first ? second : first;
      // Only the lead reports for the gang.
      await expect(member.start(gangA)).rejects.toMatchObject({ code: status.NOT_FOUND });
      await lead.start(gangA);
      await lead.complete(gangA, { reportId: `r-${gangA}`, gpuMilliseconds: 8 * 60_000 });
      await waitFor(gangA, JobState.JOB_STATE_COMPLETED);
      await eventually(() =>
        expect(member.stops.filter((x) => x.jobId === gangA).map((x) => x.reason)).toEqual([S.STOP_REASON_GANG_ENDED]),
      );
      expect(membersOf(await waitFor(gangB, JobState.JOB_STATE_PLACED))).toEqual([first.providerId, second.providerId].sort());
    }, 90_000);

    it('a gang member lost requeues the whole gang: the others are stopped, and it is placed again without the lost one', async () => {
      const third = await register(h100());
      const b = await jobOf(gangB);
      const lead = providers.find((p) => p.providerId === b.placement!.providerId)!;
      const lostOne = lead === first ? second : first;
      await eventually(() => expect(lead.hasJob(gangB)).toBe(true));
      await lead.start(gangB);
      await waitFor(gangB, JobState.JOB_STATE_RUNNING);
      lostOne.goSilent();
      const again = await eventually(async () => {
        const job = await jobOf(gangB);
        expect(job.state).toBe(JobState.JOB_STATE_PLACED);
        expect(job.placement!.attempt).toBe(2);
        return job;
      }, 30_000);
      expect(membersOf(again)).toEqual([lead.providerId, third.providerId].sort());
      await eventually(() =>
        expect(lead.stops.filter((x) => x.jobId === gangB && x.attempt === 1).map((x) => x.reason)).toEqual([S.STOP_REASON_REASSIGNED]),
      );
      const requeued = (await readTopic(stack, 'jobs'))
        .map((e) => events.JobEvent.fromJSON(e.envelope.data).jobRequeued)
        .find((r) => r?.jobId === gangB)!;
      expect([requeued.previousProviderId, requeued.excludedProviderIds, requeued.reason]).toEqual([
        lostOne.providerId,
        [lostOne.providerId],
        events.RequeueReason.REQUEUE_REASON_PROVIDER_LOST,
      ]);
      const newLead = providers.find((p) => p.providerId === again.placement!.providerId)!;
      await eventually(() => expect(newLead.attemptOf(gangB)).toBe(2));
      await newLead.start(gangB);
      await newLead.complete(gangB, { reportId: `r-${gangB}`, gpuMilliseconds: 8 * 60_000 });
      await waitFor(gangB, JobState.JOB_STATE_COMPLETED);
    }, 90_000);
  });

  it('two placement instances never overbooked a provider', async () => {
    // Replays the jobs topic in decision order, holding each placed job's GPUs on its provider
    // until the attempt ends: at no point may a provider hold more than it registered, or a job be
    // on two providers at once — whichever instance was leading when each decision was made. A
    // read goes partition by partition, and the time the log stored an event says nothing about
    // the order of two events of one cycle on different partitions (a completion and the placement
    // it made room for can be stored a millisecond apart either way). What does is the decision
    // time each event carries (ce_time, from the cycle's inputs): a placement decided at T can
    // only use capacity released at or before T. So the events are merged by ce_time, and among
    // events of one time the attempts that ended count before the placements.
    const gpusOf = new Map(providers.map((p) => [p.providerId, p.shape.gpus]));
    const requested = new Map<string, number>();
    const holder = new Map<string, readonly api.GangMember[]>();
    const held = new Map<string, number>();
    const release = (jobId: string): void => {
      const parts = holder.get(jobId);
      if (parts === undefined) return;
      holder.delete(jobId);
      for (const { providerId, gpuCount } of parts) held.set(providerId, held.get(providerId)! - gpuCount);
    };
    let placements = 0;
    let peak = 0;
    const endOf = (event: events.JobEvent): { jobId: string } | undefined =>
      event.jobRequeued ?? event.jobCompleted ?? event.jobFailed ?? event.jobCancelled ?? event.jobExpired;
    const stored = (await readTopic(stack, 'jobs'))
      .map((e) => ({ at: Date.parse(e.envelope.time), event: events.JobEvent.fromJSON(e.envelope.data) }))
      .sort((a, b) => a.at - b.at); // stable: one partition's events keep their order
    for (let from = 0; from < stored.length;) {
      let to = from;
      while (to < stored.length && stored[to]!.at === stored[from]!.at) to++;
      const batch = stored.slice(from, to);
      // Attempts placed before this instant and ended at it end first.
      const endedFirst = new Set(batch.filter(({ event }) => holder.has(endOf(event)?.jobId ?? '')));
      for (const { event } of endedFirst) release(endOf(event)!.jobId);
      for (const entry of batch) {
        const { event } = entry;
        if (event.jobSubmitted) requested.set(event.jobSubmitted.jobId, event.jobSubmitted.spec?.gpuCount ?? 1);
        const ended = endOf(event);
        if (ended && !endedFirst.has(entry)) release(ended.jobId);
        const placed = event.jobPlaced;
        if (!placed) continue;
        placements++;
        expect({ job: placed.jobId, alreadyOn: holder.get(placed.jobId) }).toEqual({ job: placed.jobId, alreadyOn: undefined });
        // A gang split over providers holds its members' parts; any other job all its GPUs on one provider.
        const parts =
          placed.gangMembers.length > 0 ? placed.gangMembers : [{ providerId: placed.providerId, gpuCount: requested.get(placed.jobId)! }];
        expect(parts.reduce((sum, m) => sum + m.gpuCount, 0)).toBe(requested.get(placed.jobId));
        for (const { providerId, gpuCount } of parts) {
          const total = gpusOf.get(providerId);
          if (total === undefined) throw new Error(`${placed.jobId} placed on unknown provider ${providerId}`);
          const now = (held.get(providerId) ?? 0) + gpuCount;
          expect({ provider: providerId, held: now, within: now <= total }).toEqual({ provider: providerId, held: now, within: true });
          held.set(providerId, now);
          peak = Math.max(peak, now / total);
        }
        holder.set(placed.jobId, parts);
      }
      from = to;
    }
    // The run did exercise contention: several placements, and some provider was filled up.
    expect(placements).toBeGreaterThan(providers.length);
    expect(peak).toBe(1);
    const rows = await stack.query<{ provider_id: string; total: number; reserved: number }>(
      `SELECT provider_id, total, reserved FROM "${stack.schemas.placement}".provider_capacity`,
    );
    for (const row of rows) expect(row.reserved).toBeLessThanOrEqual(row.total);
  });
});

function attemptOf(job: api.Job): number {
  return job.placement?.attempt ?? job.attempts;
}
