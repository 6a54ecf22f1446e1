// A gang split over providers on the running service, on both logs, across a SIGKILL of
// placement: both members' streams carry the assignment with the gang, both members' capacity
// rows hold their part; after the restart the new process knows the gang from its tables (the
// member's new stream gets its open assignment again, its heartbeats listing the run keep the
// attempt current), the lead's completion frees both members and the member is told to stop.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { eventually, PlacementFixture, ProviderClient } from './support/placement-fixture.js';

describe.each(['postgres', 'kafka'] as const)('a gang split over providers (%s log)', (backend) => {
  const fixture = new PlacementFixture(backend);
  const clients: ProviderClient[] = [];
  const gpuClass = 'gang-h100';
  let address = '';

  beforeAll(async () => {
    await fixture.setUp();
    address = (await fixture.startService({ HEARTBEAT_INTERVAL_MS: '500' })).address;
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await fixture.tearDown();
  }, 60_000);

  const reserved = async (providerId: string): Promise<number> => {
    const { rows } = await fixture.db.query<{ reserved: number }>(
      'SELECT reserved FROM provider_capacity WHERE provider_id = $1 AND gpu_class = $2',
      [providerId, gpuClass],
    );
    return rows[0]?.reserved ?? 0;
  };

  it('is held on every member, survives a SIGKILL of placement, and ends on every member when the lead completes it', async () => {
    const [a, b] = [new ProviderClient(address), new ProviderClient(address)];
    clients.push(a, b);
    const gpus = [{ gpuClass, count: 4, vramGib: 80 }];
    await a.register(fixture.operators[0]!, { gpus, pricePerGpuHourBaseUnits: '3000000' });
    await b.register(fixture.operators[0]!, { gpus, pricePerGpuHourBaseUnits: '3100000' });
    const jobId = await fixture.submitClassifiedJob({
      tier: api.Tier.TIER_TRAINING,
      spec: {
        kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING,
        gpuClass,
        gpuCount: 8,
        minVramGib: 80,
        gangDomain: api.GangDomain.GANG_DOMAIN_OPERATOR_REGION,
      },
    });
    const placed = await eventually(async () => {
      const history = await fixture.jobEvents(jobId);
      const found = history.find((e) => e.event.jobPlaced)?.event.jobPlaced;
      if (found === undefined)
        throw new Error(`not placed yet: ${JSON.stringify(history.map((e) => e.event.jobQueued?.reasons ?? e.type))}`);
      return found;
    });
    expect(placed.providerId).toBe(a.providerId);
    expect(placed.gangMembers).toEqual([
      { providerId: a.providerId, gpuCount: 4 },
      { providerId: b.providerId, gpuCount: 4 },
    ]);
    const gang = { leadProviderId: a.providerId, members: placed.gangMembers, gpuCount: 4 };
    for (const member of [a, b]) {
      const feed = member.stream();
      await eventually(() => expect(feed.assignments().map((x) => [x.jobId, x.gang])).toEqual([[jobId, gang]]));
      feed.cancel();
      expect(await reserved(member.providerId)).toBe(4);
      member.holding = [{ jobId, attempt: 1 }];
    }

    await fixture.services.at(-1)!.kill();
    const restarted = await fixture.startService({ HEARTBEAT_INTERVAL_MS: '500' });
    const [lead, member] = [a, b].map((old) => {
      const moved = new ProviderClient(restarted.address);
      Object.assign(moved, { providerId: old.providerId, token: old.token, holding: old.holding });
      clients.push(moved);
      return moved;
    }) as [ProviderClient, ProviderClient];
    const memberFeed = member.stream();
    await eventually(() => expect(memberFeed.assignments().map((x) => [x.jobId, x.gang])).toEqual([[jobId, gang]]), 30_000);
    // Both list the run: reconciliation on the new process counts the member as a holder. Until
    // the killed leader's lease expires the new process is a standby that passes heartbeats on to
    // that dead address, which answers UNAVAILABLE: a provider retries, and so does the test.
    for (let beat = 0; beat < 3; beat++) for (const provider of [lead, member]) await eventually(() => provider.heartbeat(), 30_000);
    await eventually(() => lead.started(jobId, 1), 30_000);
    // The member's report is not the gang's.
    await expect(member.started(jobId, 1)).rejects.toMatchObject({ details: expect.stringContaining('never assigned') });
    await lead.completed(jobId, 1);
    await eventually(() => expect(memberFeed.stops()).toEqual([{ jobId, attempt: 1, reason: api.StopReason.STOP_REASON_GANG_ENDED }]));
    memberFeed.cancel();
    expect([await reserved(lead.providerId), await reserved(member.providerId)]).toEqual([0, 0]);
    expect((await fixture.jobEvents(jobId)).map((e) => e.type)).not.toContain('JobRequeued');
  }, 150_000);
});
