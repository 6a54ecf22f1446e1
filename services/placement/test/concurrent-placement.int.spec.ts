// Two placement instances on one database: one is the active scheduler (the lease holder), the
// other a standby that serves the provider API by passing calls on to the leader. Many jobs
// arrive at once and then complete: no provider is ever given more GPUs than it has, every job is
// placed exactly once, and only the leader decides. Then the leader is killed mid-burst: the
// standby takes over within seconds and nothing is lost or placed twice. A monitor samples the
// tables throughout, in one snapshot per sample.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import type { ServiceProcess } from '@switchyard/service-host/testing';
import { eventually, PlacementFixture, ProviderClient } from './support/placement-fixture.js';

const GPUS_PER_PROVIDER = 3;

interface Sample {
  provider_id: string;
  total: number;
  reserved: number;
  holding_jobs: number;
  holding_gpus: number;
}

describe.each(['kafka', 'postgres'] as const)('two placement instances on one database (%s event log)', (backend) => {
  const fixture = new PlacementFixture(backend);
  const instances: ServiceProcess[] = [];
  const providers: ProviderClient[] = [];
  const samples: Sample[][] = [];
  let monitoring = true;
  let monitor: Promise<void> | undefined;

  beforeAll(async () => {
    await fixture.setUp();
    // A short lease so a takeover is quick; the first instance to start takes it.
    instances.push(await fixture.startService({ PLACEMENT_LEASE_TTL_MS: '3000' }));
    await leaderAddress();
    instances.push(await fixture.startService({ PLACEMENT_LEASE_TTL_MS: '3000' }));
  }, 120_000);

  afterAll(async () => {
    monitoring = false;
    await monitor;
    for (const p of providers) p.close();
    await fixture.tearDown();
  }, 60_000);

  /** The address of the instance holding a live lease (other than `not`). */
  async function leaderAddress(not?: string): Promise<string> {
    return eventually(async () => {
      const { rows } = await fixture.db.query<{ address: string | null; live: boolean }>(
        `SELECT address, expires_at > now() AS live FROM scheduler_lease WHERE name = 'placement'`,
      );
      if (!rows[0]?.address || !rows[0].live || rows[0].address === not) throw new Error('no (new) scheduler leader yet');
      return rows[0].address;
    }, 30_000);
  }

  async function sample(): Promise<Sample[]> {
    const client = await fixture.db.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows } = await client.query<Sample>(`
        SELECT c.provider_id, c.total, c.reserved,
               COUNT(j.job_id)::int AS holding_jobs, COALESCE(SUM(j.reserved_gpus), 0)::int AS holding_gpus
        FROM provider_capacity c
        LEFT JOIN jobs j ON j.provider_id = c.provider_id AND j.state IN ('PLACED', 'RUNNING')
        GROUP BY c.provider_id, c.total, c.reserved`);
      await client.query('COMMIT');
      return rows;
    } finally {
      client.release();
    }
  }

  async function count(states: string): Promise<number> {
    const { rows } = await fixture.db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM jobs WHERE state IN (${states})`);
    return rows[0]!.n;
  }

  /** Completes every assignment the providers receive (a failed report is tried again next round). */
  async function completeEverything(expected: number): Promise<void> {
    const feeds = providers.map((p) => ({ provider: p, feed: p.stream(), done: new Set<string>() }));
    try {
      await eventually(async () => {
        await Promise.all(
          feeds.flatMap(({ provider, feed, done }) =>
            feed
              .assignments()
              .filter((a) => !done.has(`${a.jobId}#${a.attempt}`))
              .map(async (a) => {
                await provider.completed(a.jobId, a.attempt, `${a.jobId}:${a.attempt}`).catch((error: { code?: number }) => {
                  // A re-sent report of an attempt that was requeued meanwhile is refused: that is final.
                  if (error.code !== 9) throw error;
                });
                done.add(`${a.jobId}#${a.attempt}`);
              }),
          ),
        ).catch(() => undefined);
        expect(await count(`'COMPLETED'`)).toBe(expected);
      }, 120_000);
    } finally {
      for (const { feed } of feeds) feed.cancel();
    }
  }

  function checkInvariants(): void {
    expect(samples.length).toBeGreaterThan(20);
    for (const snapshot of samples) {
      for (const row of snapshot) {
        expect(row.reserved).toBeLessThanOrEqual(row.total);
        expect(row.holding_gpus).toBe(row.reserved);
        expect(row.holding_jobs).toBeLessThanOrEqual(row.total);
      }
    }
  }

  it('never reserves more GPUs on a provider than it has, while 40 jobs are placed, queued and completed at once; only the leader decides', async () => {
    const leader = await leaderAddress();
    const standby = instances.find((s) => s.address !== leader)!;
    expect(standby).toBeDefined();
    // Providers talk to the standby: their calls are passed on to the leader.
    for (let i = 0; i < 4; i++) {
      const client = new ProviderClient(i % 2 === 0 ? standby.address : leader);
      await client.register(fixture.operators[i % 3]!, {
        gpus: [{ gpuClass: 'a100-80g', count: GPUS_PER_PROVIDER, vramGib: 80 }],
        advertisedLatencyMs: 10 + i * 5,
        pricePerGpuHourBaseUnits: String(1_000_000 + i * 250_000),
      });
      client.keepBeating(1_000);
      providers.push(client);
    }
    monitor = (async () => {
      while (monitoring) {
        samples.push(await sample());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const tiers = [api.Tier.TIER_REALTIME, api.Tier.TIER_STANDARD];
    const jobIds = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fixture.submitClassifiedJob({ tier: tiers[i % 2]!, spec: { gpuCount: 1 + (i % 2), minVramGib: 40 } }),
      ),
    );
    // Every job is decided: placed, or queued for lack of GPUs (12 GPUs for 60 asked).
    await eventually(async () => expect(await count(`'PLACED', 'QUEUED'`)).toBe(40), 60_000);
    await completeEverything(40);

    checkInvariants();
    expect(Math.max(...samples.flatMap((s) => s.map((r) => r.reserved)))).toBe(GPUS_PER_PROVIDER);
    expect((await sample()).every((r) => r.reserved === 0)).toBe(true);
    // Each job placed exactly once (one attempt), and only one instance ever led.
    const placed = (await fixture.eventsOn('jobs')).filter((e) => e.envelope.type === 'switchyard.events.v1.JobPlaced');
    expect(placed.map((e) => e.envelope.subject).sort()).toEqual([...jobIds].sort());
    const leaders = instances.filter((s) => s.logs.some((l) => /^leading the placement scheduler/.test(String(l.msg))));
    expect(leaders.map((s) => s.address)).toEqual([leader]);
  }, 240_000);

  it('survives the leader being killed mid-burst: the standby takes over within seconds, every job placed once, never overbooked', async () => {
    const leader = await leaderAddress();
    const doomed = instances.find((s) => s.address === leader)!;
    const survivor = instances.find((s) => s.address !== leader)!;
    // Providers talking to the dead instance would lose their connection; re-point them all at the survivor.
    for (const p of providers) p.close();
    providers.length = 0;
    for (let i = 0; i < 4; i++) {
      const client = new ProviderClient(survivor.address);
      await client.register(fixture.operators[i % 3]!, {
        gpus: [{ gpuClass: 'h100-80g', count: GPUS_PER_PROVIDER, vramGib: 80 }],
        advertisedLatencyMs: 10 + i * 5,
        endpoint: `grpc://takeover-${i}.example:443`,
      });
      client.keepBeating(500);
      providers.push(client);
    }
    const before = await count(`'COMPLETED'`);
    const burst = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () =>
          fixture.submitClassifiedJob({ tier: api.Tier.TIER_STANDARD, spec: { gpuClass: 'h100-80g', minVramGib: 40 } }),
        ),
      );
    const first = await burst(30);
    await eventually(async () => expect(await count(`'PLACED'`)).toBeGreaterThan(0), 30_000);
    await doomed.kill();
    const killedAt = Date.now();
    const second = await burst(30);
    const newLeader = await leaderAddress(leader);
    expect(newLeader).toBe(survivor.address);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(15_000);

    await completeEverything(before + 60);
    monitoring = false;
    await monitor;
    checkInvariants();
    // Every job of the burst placed, none on two providers at once: a job's attempts never overlap.
    // A relay killed between its append and its delete publishes an event again under the same id
    // (the outbox is at least once; consumers' inboxes apply it once): count each id once, and
    // check a repeated id carries the same decision.
    const byId = new Map<string, (typeof logged)[number]>();
    const logged = (await fixture.eventsOn('jobs')).filter((e) => [...first, ...second].includes(e.envelope.subject));
    for (const event of logged) {
      const seen = byId.get(event.envelope.id);
      if (seen) expect(event.envelope.data).toEqual(seen.envelope.data);
      else byId.set(event.envelope.id, event);
    }
    const jobEvents = [...byId.values()];
    for (const jobId of [...first, ...second]) {
      const mine = jobEvents.filter((e) => e.envelope.subject === jobId).map((e) => e.envelope.type.replace('switchyard.events.v1.', ''));
      const placedCount = mine.filter((t) => t === 'JobPlaced').length;
      const requeued = mine.filter((t) => t === 'JobRequeued').length;
      expect(placedCount).toBe(requeued + 1);
      expect(mine.filter((t) => t === 'JobCompleted')).toHaveLength(1);
    }
    console.log(`standby took over ${takeoverMs} ms after the leader was killed`);
  }, 240_000);
});
