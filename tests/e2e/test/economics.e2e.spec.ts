// Economics end to end: all five services as real processes. Jobs of several tiers and GPU
// classes run on several providers; usage is metered by the rate card; the ledger posts it,
// assesses an SLA penalty, and an epoch pays each provider exactly its usage, once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import {
  ADMIN_KEY,
  JobApi,
  OPERATORS,
  PayoutApi,
  TENANTS,
  TestProvider,
  UsageApi,
  eventually,
  startStack,
  type ProviderShape,
  type Stack,
} from '../src/index.js';

const { JobState, WorkloadKind } = api;

// Rate card 2026-11-01 (services/metering/rate-cards/rate-cards.yaml), written out here so the
// test checks the pipeline against the published prices, not against the pricing code.
const RATES: Record<string, { perGpuHour: bigint; per1kTokens: bigint; perGib: bigint; minimum: bigint }> = {
  'TIER_REALTIME/a100-80g': { perGpuHour: 3_200_000n, per1kTokens: 200n, perGib: 20_000n, minimum: 1_000n },
  'TIER_BATCH/l4-24g': { perGpuHour: 500_000n, per1kTokens: 30n, perGib: 5_000n, minimum: 100n },
  'TIER_TRAINING/a100-80g': { perGpuHour: 2_100_000n, per1kTokens: 0n, perGib: 5_000n, minimum: 10_000n },
};
const FEE_BPS = 500n;
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
function expectedCharge(line: api.UsageLine): bigint {
  const rate = RATES[`${line.tier}/${line.gpuClass}`]!;
  const a = line.amounts!;
  const charge =
    ceilDiv(BigInt(a.gpuMilliseconds) * rate.perGpuHour, 3_600_000n) +
    ceilDiv(BigInt(a.tokens) * rate.per1kTokens, 1_000n) +
    ceilDiv(BigInt(a.bytes) * rate.perGib, 1_073_741_824n);
  return charge > rate.minimum ? charge : rate.minimum;
}
const feeOf = (charge: bigint): bigint => (charge * FEE_BPS) / 10_000n;

describe.each(['postgres', 'kafka'] as const)('economics end to end (%s event log)', (backend) => {
  let stack: Stack;
  let acme: JobApi;
  let usage: UsageApi;
  let payout: PayoutApi;
  const providers: Record<string, TestProvider> = {};
  let seq = 0;

  const submit = async (spec: Partial<api.JobSpec>): Promise<string> =>
    (
      await acme.submit({
        idempotencyKey: `econ-${backend}-${++seq}`,
        spec: { modelRef: 'm', gpuCount: 1, minVramGib: 20, estimatedDurationSeconds: 3600, ...spec } as api.JobSpec,
      })
    ).job!.id;
  const waitFor = (jobId: string, state: api.JobState, timeoutMs = 45_000): Promise<api.Job> =>
    eventually(async () => {
      const job = (await acme.get(jobId)).job!;
      expect(job.state).toBe(state);
      return job;
    }, timeoutMs);
  const holder = (job: api.Job): TestProvider => Object.values(providers).find((p) => p.providerId === job.placement!.providerId)!;
  /** The provider that ran the attempt a usage line is for. */
  const ranOn = (line: api.UsageLine): string =>
    Object.values(providers).find((p) => p.assignments.some((a) => a.jobId === line.jobId && a.attempt === line.attempt))!.providerId;
  const readTopic = async (name: string): Promise<LoggedEvent[]> => {
    const out: LoggedEvent[] = [];
    for await (const e of stack.log.read({ topic: `${stack.topicPrefix}${name}` })) out.push(e);
    return out;
  };

  beforeAll(async () => {
    stack = await startStack({
      backend,
      services: ['intake', 'classifier', 'placement', 'metering', 'payout'],
      serviceEnv: { placement: { HEARTBEAT_INTERVAL_MS: '500', LIVENESS_CHECK_PERIOD_MS: '250', QUEUE_RETRY_PERIOD_MS: '500' } },
    });
    acme = new JobApi(stack.address.intake!, TENANTS.acme.apiKey);
    usage = new UsageApi(stack.address.metering!, ADMIN_KEY);
    payout = new PayoutApi(stack.address.payout!, ADMIN_KEY);
    const shape = (
      op: keyof typeof OPERATORS,
      region: string,
      gpuClass: string,
      gpus: number,
      latencyMs: number,
      price: number,
    ): ProviderShape => ({
      operatorKey: OPERATORS[op].apiKey,
      operatorId: OPERATORS[op].operatorId,
      region,
      gpuClass,
      gpus,
      vramGib: gpuClass === 'l4-24g' ? 24 : 80,
      pricePerGpuHourBaseUnits: price,
      latencyMs,
    });
    providers.A = await TestProvider.register(stack.placementAddresses[0]!, shape('north', 'eu-west', 'a100-80g', 4, 20, 3_000_000));
    providers.B = await TestProvider.register(stack.placementAddresses[0]!, shape('south', 'us-east', 'l4-24g', 4, 50, 600_000));
    providers.C = await TestProvider.register(stack.placementAddresses[0]!, shape('east', 'eu-west', 'a100-80g', 2, 40, 1_500_000));
    providers.D = await TestProvider.register(stack.placementAddresses[0]!, shape('north', 'us-east', 'l4-24g', 2, 200, 5_000_000));
  }, 300_000);

  afterAll(async () => {
    Object.values(providers).forEach((p) => p.close());
    acme?.close();
    usage?.close();
    payout?.close();
    await stack?.stop();
  }, 60_000);

  let failedJob = '';
  const completedJobs: string[] = [];

  it('runs jobs of several tiers and GPU classes on several providers; a lost provider reported nothing', async () => {
    const realtime = await submit({ kind: WorkloadKind.WORKLOAD_KIND_INFERENCE, gpuClass: 'a100-80g', maxLatencyMs: 1000 });
    const batch = await submit({ kind: WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE, gpuClass: 'l4-24g' });
    const [rtJob, batchJob] = [await waitFor(realtime, JobState.JOB_STATE_PLACED), await waitFor(batch, JobState.JOB_STATE_PLACED)];
    expect(holder(rtJob)).toBe(providers.A);
    expect(holder(batchJob)).toBe(providers.B);

    // A second BATCH job goes to the other operator (share cap); that provider then vanishes.
    const orphan = await submit({ kind: WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE, gpuClass: 'l4-24g' });
    const orphanJob = await waitFor(orphan, JobState.JOB_STATE_PLACED);
    expect(holder(orphanJob)).toBe(providers.D);
    await eventually(() => expect(providers.D!.hasJob(orphan)).toBe(true));
    await providers.D!.start(orphan);
    providers.D!.goSilent();

    await eventually(() => expect(providers.A!.hasJob(realtime)).toBe(true));
    await providers.A!.start(realtime);
    await providers.A!.complete(realtime, { reportId: `rep-${realtime}`, gpuMilliseconds: 3_600_000, tokens: 1_234 });
    await eventually(() => expect(providers.B!.hasJob(batch)).toBe(true));
    await providers.B!.start(batch);
    const batchReport = { reportId: `rep-${batch}`, gpuMilliseconds: 7_200_000, tokens: 90_001, bytes: 3_000_000_000 };
    await providers.B!.complete(batch, batchReport);
    await providers.B!.complete(batch, batchReport); // a duplicate report
    completedJobs.push(realtime, batch);

    const rescued = await eventually(async () => {
      const job = (await acme.get(orphan)).job!;
      expect(job.state).toBe(JobState.JOB_STATE_PLACED);
      expect(job.placement?.providerId).toBe(providers.B!.providerId);
      return job;
    }, 60_000);
    expect(rescued.placement?.attempt).toBe(2);
    await eventually(() => expect(providers.B!.hasJob(orphan)).toBe(true));
    await providers.B!.start(orphan);
    await providers.B!.complete(orphan, { reportId: `rep-${orphan}-2`, gpuMilliseconds: 1_800_000 });
    completedJobs.push(orphan);

    const training = await submit({
      kind: WorkloadKind.WORKLOAD_KIND_TRAINING,
      gpuClass: 'a100-80g',
      gpuCount: 2,
      estimatedDurationSeconds: 7200,
    });
    const trainingJob = await waitFor(training, JobState.JOB_STATE_PLACED);
    const trainer = holder(trainingJob);
    await eventually(() => expect(trainer.hasJob(training)).toBe(true));
    await trainer.start(training);
    await trainer.complete(training, { reportId: `rep-${training}`, gpuMilliseconds: 14_400_000, bytes: 5_000_000_000 });
    completedJobs.push(training);

    // A REALTIME job failed by its provider (a hardware fault): the provider's fault, so the run
    // is requeued elsewhere with the provider excluded, and the provider pays an SLA penalty
    // (docs/failure-categories.md).
    failedJob = await submit({ kind: WorkloadKind.WORKLOAD_KIND_INFERENCE, gpuClass: 'a100-80g', maxLatencyMs: 1000 });
    const failing = await waitFor(failedJob, JobState.JOB_STATE_PLACED);
    expect(holder(failing)).toBe(providers.A);
    await eventually(() => expect(providers.A!.hasJob(failedJob)).toBe(true));
    await providers.A!.start(failedJob);
    await providers.A!.fail(failedJob, false);
    await eventually(async () => {
      const requeued = (await readTopic('jobs')).filter((e) => e.key === failedJob && e.envelope.type.endsWith('.JobRequeued'));
      expect(requeued.map((e) => events.JobEvent.fromJSON(e.envelope.data).jobRequeued!.fault)).toEqual([events.Fault.FAULT_PROVIDER]);
    }, 60_000);
    for (const jobId of completedJobs) await waitFor(jobId, JobState.JOB_STATE_COMPLETED);
  }, 240_000);

  it('meters usage by the rate card to the base unit, once per report, nothing for the lost provider', async () => {
    const lines = await eventually(async () => {
      const response = await usage.get({ pageSize: 100 });
      expect(response.lines).toHaveLength(4);
      return response.lines;
    }, 60_000);
    expect(new Set(lines.map((l) => l.jobId))).toEqual(new Set(completedJobs));
    for (const line of lines) expect(BigInt(line.priceBaseUnits)).toBe(expectedCharge(line));
    const d = await usage.get({ providerId: providers.D!.providerId, pageSize: 100 });
    expect(d.lines).toEqual([]);
  }, 90_000);

  it('posts every usage and a penalty linked to the failure; balances match and the ledger sums to zero', async () => {
    const lines = (await usage.get({ pageSize: 100 })).lines;
    const charges = lines.map((l) => BigInt(l.priceBaseUnits));
    const totalCharge = charges.reduce((a, b) => a + b, 0n);
    const totalFee = charges.map(feeOf).reduce((a, b) => a + b, 0n);

    // The failure's penalty, linked to the JobRequeued that took the run away from the provider;
    // under load a REALTIME job may also have been started late (more than its bound after
    // placement) and penalised: every penalty counts.
    const failure = (await readTopic('jobs')).find((e) => e.key === failedJob && e.envelope.type.endsWith('.JobRequeued'))!;
    const penalties = await eventually(async () => {
      const all = (await readTopic('ledger'))
        .filter((e) => e.envelope.type.endsWith('.PenaltyAssessed'))
        .map((e) => events.LedgerEvent.fromJSON(e.envelope.data).penaltyAssessed!);
      expect(all.map((p) => p.jobId)).toContain(failedJob);
      return all;
    }, 60_000);
    const failurePenalty = penalties.find((p) => p.jobId === failedJob)!;
    expect(failurePenalty.providerId).toBe(providers.A!.providerId);
    expect(failurePenalty.reason).toBe('REALTIME_ABANDONED_BY_PROVIDER');
    expect(failurePenalty.justifyingEventIds).toContain(failure.envelope.id);
    expect(BigInt(failurePenalty.amountBaseUnits)).toBeGreaterThan(0n);
    const penaltiesOf = (providerId: string): bigint =>
      penalties.filter((p) => p.providerId === providerId).reduce((sum, p) => sum + BigInt(p.amountBaseUnits), 0n);
    const penaltyAmount = penalties.reduce((sum, p) => sum + BigInt(p.amountBaseUnits), 0n);

    const earningsOf = (providerId: string): bigint =>
      lines.filter((l) => ranOn(l) === providerId).reduce((sum, l) => sum + BigInt(l.priceBaseUnits) - feeOf(BigInt(l.priceBaseUnits)), 0n);

    await eventually(async () => {
      expect(await payout.balance(`tenant:${TENANTS.acme.id}`)).toBe(-totalCharge + penaltyAmount);
      expect(await payout.balance('protocol:fees')).toBe(totalFee);
      for (const p of Object.values(providers)) {
        expect(await payout.balance(`provider:${p.providerId}`)).toBe(earningsOf(p.providerId) - penaltiesOf(p.providerId));
      }
    }, 60_000);
    // The lost provider earned nothing, and pays for the runs it dropped (a provider fault in every
    // tier under penalties-2026-12-01).
    expect(earningsOf(providers.D!.providerId)).toBe(0n);
    expect(penaltiesOf(providers.D!.providerId)).toBeGreaterThan(0n);
    expect(await payout.balance(`provider:${providers.D!.providerId}`)).toBe(-penaltiesOf(providers.D!.providerId));
    const [sum] = await stack.query<{ total: string }>(
      `SELECT COALESCE(SUM(amount), 0)::text AS total FROM "${stack.schemas.payout}".ledger_entries`,
    );
    expect(sum!.total).toBe('0');
    // What the tenant sees: each completed job's usage was metered and posted, so it is SETTLED.
    await eventually(async () => {
      for (const jobId of completedJobs)
        expect({ jobId, settlement: (await acme.get(jobId)).job!.settlementState }).toEqual({
          jobId,
          settlement: api.SettlementState.SETTLEMENT_STATE_SETTLED,
        });
    }, 60_000);
  }, 120_000);

  it('closing an epoch pays each provider exactly its usage ids, once; closing again pays nothing', async () => {
    const lines = (await usage.get({ pageSize: 100 })).lines;
    const closed = await payout.closeEpoch(`epoch-${backend}-1`);
    const paidProviders = closed.payouts.map((p) => p.providerId).sort();
    const withUsage = [...new Set(lines.map(ranOn))].sort();
    expect(paidProviders).toEqual(withUsage);
    for (const paid of closed.payouts) {
      const provider = Object.values(providers).find((p) => p.providerId === paid.providerId)!;
      const mine = lines.filter((l) => ranOn(l) === provider.providerId);
      const statement = (await payout.statements(paid.providerId)).statements.find((s) => s.statementId === paid.statementId)!;
      expect([...statement.usageIds].sort()).toEqual(mine.map((l) => l.usageId).sort());
      expect(await payout.balance(`provider:${paid.providerId}`)).toBe(0n);
    }
    expect(BigInt(closed.totalBaseUnits)).toBe(closed.payouts.reduce((sum, p) => sum + BigInt(p.amountBaseUnits), 0n));

    const again = await payout.closeEpoch(`epoch-${backend}-2`);
    expect(again.payouts).toEqual([]);
    expect(again.totalBaseUnits).toBe('0');
    const issued = await eventually(async () => {
      const found = (await readTopic('ledger')).filter((e) => e.envelope.type.endsWith('.PayoutIssued'));
      expect(found).toHaveLength(closed.payouts.length);
      return found;
    });
    expect(issued.length).toBe(paidProviders.length);
  }, 120_000);
});
