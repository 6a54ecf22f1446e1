// Metering and payout as real processes on one broker and database: usage reports priced by the
// shipped rate card come out of metering as UsageMetered, and payout's balances and payouts match
// the rate card to the base unit; a report sent twice is paid once.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { uniqueName } from '@switchyard/testing';
import { eventually, jobEvent, KEYS, payoutApi, payoutFixture, readAll, timestamp, type PayoutFixture } from './support/payout-fixture.js';

const meteringDir = fileURLToPath(new URL('../../metering', import.meta.url));
const at = new Date(Date.now() - 3_600_000);

function usageReported(reportId: string, jobId: string, providerId: string, gpuMilliseconds: string): EventEnvelope {
  const usageReported: events.UsageReported = {
    reportId,
    jobId,
    attempt: 1,
    providerId,
    amounts: { gpuMilliseconds, tokens: '0', bytes: '0', fetchedBytes: '0' },
    reportedAt: timestamp(at),
    failed: false,
    fault: events.Fault.FAULT_UNSPECIFIED,
  };
  return {
    id: `ce-${reportId}-${Math.random().toString(16).slice(2)}`,
    type: 'switchyard.events.v1.UsageReported',
    source: '/switchyard/placement',
    subject: jobId,
    time: at.toISOString(),
    data: events.UsageEvent.toJSON({ usageReported, usageMetered: undefined }) as JsonValue,
  };
}

function submitted(jobId: string, tenantId: string, gpuClass: string): EventEnvelope {
  const spec = api.JobSpec.fromPartial({ kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE, gpuClass, gpuCount: 1, estimatedDurationSeconds: 60 });
  return jobEvent(jobId, at, { jobSubmitted: { jobId, tenantId, tenantPlan: 'enterprise', spec, idempotencyKey: jobId, quote: undefined, submittedAt: timestamp(at) } });
}

const classified = (jobId: string, tier: api.Tier): EventEnvelope =>
  jobEvent(jobId, at, { jobClassified: { jobId, tier, policyVersion: 'p', matchedRuleId: 'r', reasons: [], classifiedAt: timestamp(at) } });
const placed = (jobId: string, providerId: string, operatorId: string): EventEnvelope =>
  jobEvent(jobId, at, { jobPlaced: { jobId, providerId, operatorId, attempt: 1, decision: undefined, gangMembers: [] } });

describe('metering to payout over the real log', () => {
  let fx: PayoutFixture;
  let metering: ServiceProcess | undefined;

  beforeAll(async () => {
    fx = await payoutFixture();
    metering = await startServiceProcess({
      cwd: meteringDir,
      env: {
        ...fx.env,
        DATABASE_SCHEMA: `${fx.schema}_metering`,
        METERING_CONSUMER_GROUP: uniqueName('metering'),
        SWITCHYARD_TENANTS_FILE: fx.env.TENANTS_FILE!,
      },
      startTimeoutMs: 60_000,
    });
    await fx.start();
  }, 120_000);

  afterAll(async () => {
    await metering?.stop(15_000).catch(() => undefined);
    await fx?.db.query(`DROP SCHEMA IF EXISTS "${fx.schema}_metering" CASCADE`).catch(() => undefined);
    await fx?.close();
  }, 60_000);

  it('priced usage is posted once per report, balances match the rate card, and the epoch pays each provider its usage', async () => {
    await fx.log.append(fx.topics.jobs, [
      submitted('e2e-job-1', 'acme', 'a100-80g'),
      classified('e2e-job-1', api.Tier.TIER_STANDARD),
      placed('e2e-job-1', 'e2e-north', 'op-north'),
      submitted('e2e-job-2', 'globex', 'h100-80g'),
      classified('e2e-job-2', api.Tier.TIER_REALTIME),
      placed('e2e-job-2', 'e2e-south', 'op-south'),
    ]);
    const report = usageReported('e2e-r-1', 'e2e-job-1', 'e2e-north', '3600000');
    await fx.log.append(fx.topics.usage, [report, usageReported('e2e-r-1', 'e2e-job-1', 'e2e-north', '3600000'), usageReported('e2e-r-2', 'e2e-job-2', 'e2e-south', '60000')]);

    await eventually(async () => expect(Number((await fx.db.query<{ n: string }>("SELECT count(*) AS n FROM ledger_postings WHERE kind = 'USAGE'")).rows[0]!.n)).toBe(2), 90_000);

    // Rate card 2026-11-01, fee 500 bps: STANDARD a100-80g 2 500 000 per GPU-hour for 1 h;
    // REALTIME h100-80g 4 500 000 per GPU-hour for 60 s = 75 000.
    const payout = payoutApi(fx.client!);
    const balance = async (accountId: string): Promise<string> => (await payout.getBalance({ accountId }, KEYS.admin)).balanceBaseUnits;
    expect(await balance('tenant:acme')).toBe('-2500000');
    expect(await balance('tenant:globex')).toBe('-75000');
    expect(await balance('provider:e2e-north')).toBe('2375000');
    expect(await balance('provider:e2e-south')).toBe('71250');
    expect(await balance('protocol:fees')).toBe('128750');

    const metered = (await readAll(fx.log, fx.topics.usage))
      .filter((e) => e.envelope.type === 'switchyard.events.v1.UsageMetered')
      .map((e) => events.UsageEvent.fromJSON(e.envelope.data).usageMetered!);
    const usageIdOf = (reportId: string): string => metered.find((m) => m.reportId === reportId)!.usageId;

    const closed = await payout.closeEpoch({ cutoff: undefined, idempotencyKey: '' }, KEYS.admin);
    expect(closed.payouts.map((p) => [p.providerId, p.amountBaseUnits])).toEqual([
      ['e2e-north', '2375000'],
      ['e2e-south', '71250'],
    ]);
    const statements = await payout.listStatements({ providerId: 'e2e-north', pageSize: 10, pageToken: '' }, KEYS.admin);
    expect(statements.statements[0]?.usageIds).toEqual([usageIdOf('e2e-r-1')]);
  }, 150_000);
});
