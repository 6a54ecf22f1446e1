// Metering and payout as real processes on one broker and database: usage reports priced by the
// shipped rate card come out of metering as UsageMetered, and payout's balances and payouts match
// the rate card to the base unit; a report sent twice is paid once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, events, topicNames } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue, LoggedEvent } from '@switchyard/event-log';
import { uniqueName } from '@switchyard/testing';
import { ADMIN_KEY, PayoutApi, eventually, startStack, type Stack } from '../src/index.js';

const at = new Date(Date.now() - 3_600_000);
const timestamp = (when: Date): api.Timestamp => ({
  seconds: Math.floor(when.getTime() / 1000).toString(),
  nanos: (when.getTime() % 1000) * 1_000_000,
});

function jobEvent(jobId: string, event: Partial<events.JobEvent>): EventEnvelope {
  const member = Object.keys(event)[0]!;
  return {
    id: randomUUID(),
    type: `switchyard.events.v1.${member.charAt(0).toUpperCase()}${member.slice(1)}`,
    source: '/switchyard/test',
    subject: jobId,
    time: at.toISOString(),
    data: events.JobEvent.toJSON(event as events.JobEvent) as JsonValue,
  };
}

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
  const spec = api.JobSpec.fromPartial({
    kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
    gpuClass,
    gpuCount: 1,
    estimatedDurationSeconds: 60,
  });
  return jobEvent(jobId, {
    jobSubmitted: { jobId, tenantId, tenantPlan: 'enterprise', spec, idempotencyKey: jobId, quote: undefined, submittedAt: timestamp(at) },
  });
}

const classified = (jobId: string, tier: api.Tier): EventEnvelope =>
  jobEvent(jobId, { jobClassified: { jobId, tier, policyVersion: 'p', matchedRuleId: 'r', reasons: [], classifiedAt: timestamp(at) } });
const placed = (jobId: string, providerId: string, operatorId: string): EventEnvelope =>
  jobEvent(jobId, { jobPlaced: { jobId, providerId, operatorId, attempt: 1, decision: undefined, gangMembers: [] } });

describe('metering to payout over the real log', () => {
  let stack: Stack;
  let payout: PayoutApi;
  const topics = (): ReturnType<typeof topicNames> => topicNames(stack.topicPrefix);
  const readAll = async (topic: string): Promise<LoggedEvent[]> => {
    const out: LoggedEvent[] = [];
    for await (const e of stack.log.read({ topic })) out.push(e);
    return out;
  };

  beforeAll(async () => {
    stack = await startStack({
      backend: 'kafka',
      services: ['metering', 'payout'],
      serviceEnv: {
        metering: { METERING_CONSUMER_GROUP: uniqueName('metering') },
        payout: { PAYOUT_CONSUMER_GROUP: uniqueName('payout') },
      },
    });
    payout = new PayoutApi(stack.address.payout!, ADMIN_KEY);
  }, 180_000);

  afterAll(async () => {
    payout?.close();
    await stack?.stop();
  }, 60_000);

  it('priced usage is posted once per report, balances match the rate card, and the epoch pays each provider its usage', async () => {
    await stack.log.append(topics().jobs, [
      submitted('e2e-job-1', 'acme', 'a100-80g'),
      classified('e2e-job-1', api.Tier.TIER_STANDARD),
      placed('e2e-job-1', 'e2e-north', 'op-north'),
      submitted('e2e-job-2', 'globex', 'h100-80g'),
      classified('e2e-job-2', api.Tier.TIER_REALTIME),
      placed('e2e-job-2', 'e2e-south', 'op-south'),
    ]);
    const report = usageReported('e2e-r-1', 'e2e-job-1', 'e2e-north', '3600000');
    await stack.log.append(topics().usage, [
      report,
      usageReported('e2e-r-1', 'e2e-job-1', 'e2e-north', '3600000'),
      usageReported('e2e-r-2', 'e2e-job-2', 'e2e-south', '60000'),
    ]);

    const postings = `SELECT count(*) AS n FROM "${stack.schemas.payout}".ledger_postings WHERE kind = 'USAGE'`;
    await eventually(async () => expect(Number((await stack.query<{ n: string }>(postings))[0]!.n)).toBe(2), 90_000);

    // Rate card 2026-11-01, fee 500 bps: STANDARD a100-80g 2 500 000 per GPU-hour for 1 h;
    // REALTIME h100-80g 4 500 000 per GPU-hour for 60 s = 75 000.
    const balance = async (accountId: string): Promise<string> => (await payout.balance(accountId)).toString();
    expect(await balance('tenant:acme')).toBe('-2500000');
    expect(await balance('tenant:globex')).toBe('-75000');
    expect(await balance('provider:e2e-north')).toBe('2375000');
    expect(await balance('provider:e2e-south')).toBe('71250');
    expect(await balance('protocol:fees')).toBe('128750');

    const metered = (await readAll(topics().usage))
      .filter((e) => e.envelope.type === 'switchyard.events.v1.UsageMetered')
      .map((e) => events.UsageEvent.fromJSON(e.envelope.data).usageMetered!);
    const usageIdOf = (reportId: string): string => metered.find((m) => m.reportId === reportId)!.usageId;

    const closed = await payout.closeEpoch(uniqueName('epoch'));
    expect(closed.payouts.map((p) => [p.providerId, p.amountBaseUnits])).toEqual([
      ['e2e-north', '2375000'],
      ['e2e-south', '71250'],
    ]);
    const statements = await payout.statements('e2e-north');
    expect(statements.statements[0]?.usageIds).toEqual([usageIdOf('e2e-r-1')]);
  }, 150_000);
});
