import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { defaultFleetConfig, SimulatedProvider, type FleetConfig, type FleetLog, type ProviderPlan } from '../src/index.js';

// A simulated provider against a ProviderService of the test's own on loopback: it records every
// heartbeat and report and streams what the test pushes, as placement would.
class FakePlacement {
  readonly server = new Server();
  readonly heartbeats: api.HeartbeatRequest[] = [];
  readonly started: api.ReportStartedRequest[] = [];
  readonly completed: api.ReportCompletedRequest[] = [];
  readonly failed: api.ReportFailedRequest[] = [];
  private readonly streams = new Map<string, ServerWritableStream<api.StreamAssignmentsRequest, api.StreamAssignmentsResponse>>();
  private cursor = 0;
  address = '';

  async start(): Promise<void> {
    const ok =
      <T>(record: T[]) =>
      (call: { request: T }, done: (error: null, response: object) => void) => {
        record.push(call.request);
        done(null, {});
      };
    this.server.addService(api.ProviderServiceService, {
      registerProvider: (
        call: { request: api.RegisterProviderRequest },
        done: (error: null, response: api.RegisterProviderResponse) => void,
      ) => {
        const providerId = call.request.endpoint.replace('sim://', '');
        done(null, { providerId, heartbeatIntervalMs: 100, providerToken: `token-${providerId}` });
      },
      heartbeat: (call: { request: api.HeartbeatRequest }, done: (error: null, response: api.HeartbeatResponse) => void) => {
        this.heartbeats.push(call.request);
        done(null, { heartbeatIntervalMs: 100 });
      },
      streamAssignments: (call: ServerWritableStream<api.StreamAssignmentsRequest, api.StreamAssignmentsResponse>) => {
        this.streams.set(call.request.providerId, call);
      },
      reportStarted: ok(this.started),
      reportCompleted: ok(this.completed),
      reportFailed: ok(this.failed),
    } as unknown as api.ProviderServiceServer);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.address = `127.0.0.1:${port}`;
  }

  /** Sends an assignment or a stop on the provider's stream, once it follows it. */
  async push(providerId: string, message: Omit<api.StreamAssignmentsResponse, 'cursor'>): Promise<void> {
    await until(() => this.streams.has(providerId));
    this.cursor += 1;
    this.streams.get(providerId)!.write({ cursor: String(this.cursor), ...message });
  }

  /** Heartbeats of one provider received from now on. */
  heartbeatsAfter(providerId: string, from = this.heartbeats.length): () => api.HeartbeatRequest[] {
    return () => this.heartbeats.slice(from).filter((h) => h.providerId === providerId);
  }

  reports(): number {
    return this.started.length + this.completed.length + this.failed.length;
  }

  stop(): void {
    for (const stream of this.streams.values()) stream.end();
    this.server.forceShutdown();
  }
}

// The real clock and timer, taken before any test fakes them: waiting for something to arrive over
// the loopback is real time even while the provider's own clock is jest's.
const realNow = Date.now;
const realSetTimeout = setTimeout;

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = realNow() + timeoutMs;
  while (!check()) {
    if (realNow() > deadline) throw new Error('not within the time allowed');
    await new Promise((resolve) => realSetTimeout(resolve, 20));
  }
}

const plan = (name: string): ProviderPlan => ({
  name,
  operatorId: 'op-north',
  apiKey: 'dev-operator-north-key',
  region: 'eu-west',
  jurisdiction: 'EU',
  gpuClass: 'a100-80g',
  vramGib: 80,
  gpus: 8,
  pricePerGpuHourBaseUnits: 1_000_000,
  latencyMs: 20,
  seed: 1,
});

// No simulated failures or vanishing unless a test asks; a 90 s job runs for 1.5 s.
const quiet: FleetConfig = { ...defaultFleetConfig, failureRate: 0, vanishRate: 0, forgetRate: 0, timeScale: 60 };
const noLog = (): void => undefined;

/** A 16-GPU training gang split over `lead` (6 GPUs), `member` (8) and `other` (2). */
function gangAssignment(attempt = 1): api.Assignment {
  return api.Assignment.fromPartial({
    jobId: 'job-gang',
    attempt,
    tier: api.Tier.TIER_TRAINING,
    spec: {
      kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING,
      gpuClass: 'a100-80g',
      gpuCount: 16,
      estimatedDurationSeconds: 90,
      gangDomain: api.GangDomain.GANG_DOMAIN_OPERATOR_REGION,
    },
    gang: {
      leadProviderId: 'lead',
      members: [
        { providerId: 'lead', gpuCount: 6 },
        { providerId: 'member', gpuCount: 8 },
        { providerId: 'other', gpuCount: 2 },
      ],
      gpuCount: 0, // each member's own part, set below
    },
  });
}

const partOf = (assignment: api.Assignment, providerId: string): api.Assignment => ({
  ...assignment,
  gang: { ...assignment.gang!, gpuCount: assignment.gang!.members.find((m) => m.providerId === providerId)!.gpuCount },
});

const stop = (attempt: number, reason: api.StopReason): Pick<api.StreamAssignmentsResponse, 'stop'> => ({
  stop: { jobId: 'job-gang', attempt, reason },
});

describe('a simulated provider in a gang split over providers', () => {
  let placement: FakePlacement;
  const providers: SimulatedProvider[] = [];
  const provider = async (name: string, config: FleetConfig = quiet, log: FleetLog = noLog): Promise<SimulatedProvider> => {
    const started = new SimulatedProvider(plan(name), config, placement.address, log);
    providers.push(started);
    await started.start();
    return started;
  };

  beforeEach(async () => {
    placement = new FakePlacement();
    await placement.start();
  });

  afterEach(() => {
    for (const started of providers.splice(0)) started.stop();
    placement.stop();
  });

  it('as a member, holds its part of the GPUs and lists the run in its heartbeats, never reports, and releases them when the gang ends', async () => {
    // Failures on: a member's GPUs failing is the lead's to report, so nothing changes here.
    await provider('member', { ...quiet, failureRate: 1 });
    await placement.push('member', { assignment: partOf(gangAssignment(), 'member') });
    const holding = placement.heartbeatsAfter('member');
    await until(() => holding().some((h) => h.gpusInUse === 8));
    expect(holding().find((h) => h.gpusInUse === 8)).toMatchObject({ runs: [{ jobId: 'job-gang', attempt: 1 }], runsReported: true });

    // A stop for another attempt is not this one's.
    await placement.push('member', stop(2, api.StopReason.STOP_REASON_GANG_ENDED));
    await placement.push('member', stop(1, api.StopReason.STOP_REASON_GANG_ENDED));
    const released = placement.heartbeatsAfter('member');
    await until(() => released().some((h) => h.gpusInUse === 0));
    expect(released().find((h) => h.gpusInUse === 0)).toMatchObject({ runs: [], runsReported: true });
    expect(placement.reports()).toBe(0);
  });

  it('as a member, releases the GPUs on any stop of its attempt (the gang requeued or cancelled)', async () => {
    await provider('member');
    await placement.push('member', { assignment: partOf(gangAssignment(3), 'member') });
    const holding = placement.heartbeatsAfter('member');
    await until(() => holding().some((h) => h.gpusInUse === 8));
    await placement.push('member', stop(3, api.StopReason.STOP_REASON_REASSIGNED));
    const released = placement.heartbeatsAfter('member');
    await until(() => released().some((h) => h.gpusInUse === 0 && h.runs.length === 0));
    expect(placement.reports()).toBe(0);
  });

  it('as the lead, runs the job with only its own GPUs in use and reports for the whole gang', async () => {
    await provider('lead');
    const assignment = partOf(gangAssignment(), 'lead');
    await placement.push('lead', { assignment });
    const running = placement.heartbeatsAfter('lead');
    await until(() => running().some((h) => h.gpusInUse > 0));
    expect(running().find((h) => h.gpusInUse > 0)).toMatchObject({ gpusInUse: 6, runs: [{ jobId: 'job-gang', attempt: 1 }] });

    await until(() => placement.completed.length === 1);
    expect(placement.started).toEqual([{ jobId: 'job-gang', attempt: 1, providerId: 'lead' }]);
    // 90 s on all 16 GPUs of the gang, not the lead's 6.
    expect(placement.completed[0]).toMatchObject({
      jobId: 'job-gang',
      attempt: 1,
      providerId: 'lead',
      usage: { reportId: 'lead:job-gang:1', amounts: { gpuMilliseconds: String(90_000 * 16) } },
    });
    const after = placement.heartbeatsAfter('lead');
    await until(() => after().length > 0);
    expect(after()[0]).toMatchObject({ gpusInUse: 0, runs: [] });
  });

  it('as the lead, reports a simulated failure for the whole gang', async () => {
    await provider('lead', { ...quiet, failureRate: 1 });
    await placement.push('lead', { assignment: partOf(gangAssignment(), 'lead') });
    await until(() => placement.failed.length === 1);
    // Half the run on all 16 GPUs.
    expect(placement.failed[0]).toMatchObject({
      providerId: 'lead',
      retryable: true,
      usage: { amounts: { gpuMilliseconds: String(45_000 * 16) } },
    });
    expect(placement.completed).toEqual([]);
  });

  describe('on a fake clock (jest: setTimeout and Date.now advance only when told; the loopback is real)', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it('as a member that vanishes, sends no heartbeat and no report however far its clock runs while it is gone', async () => {
      // Only the provider's clock and timers are faked; gRPC's I/O, setImmediate and nextTick stay real.
      jest.useFakeTimers({
        doNotFake: [
          'nextTick',
          'queueMicrotask',
          'setImmediate',
          'clearImmediate',
          'setInterval',
          'clearInterval',
          'hrtime',
          'performance',
        ],
      });
      const vanishForMs = 60_000;
      const logged: string[] = [];
      await provider('member', { ...quiet, vanishRate: 1, vanishForMs }, (message) => {
        logged.push(message);
      });
      const received = placement.heartbeatsAfter('member', 0);
      const sequences = (): number[] => received().map((h) => Number(h.sequence));

      // Before it vanishes it heartbeats on its interval (200 ms here), one heartbeat a tick and
      // none between: the first at once, then one per 200 ms the clock is moved.
      await jest.advanceTimersByTimeAsync(0);
      await until(() => received().length >= 1);
      for (const expected of [2, 3]) {
        await jest.advanceTimersByTimeAsync(200);
        await until(() => received().length >= expected);
      }
      expect(sequences()).toEqual([1, 2, 3]);

      await placement.push('member', { assignment: partOf(gangAssignment(), 'member') });
      await until(() => logged.some((line) => line.includes('vanished with job-gang')));

      // Gone: every heartbeat tick up to 1 ms before it is back passes (some 300), and none of them sends.
      await jest.advanceTimersByTimeAsync(vanishForMs - 1);
      // Back: the next tick sends. Each heartbeat sent is numbered one past the last, so this one
      // being 4 shows none was sent while it was gone, including any still on the wire.
      await jest.advanceTimersByTimeAsync(200);
      await until(() => received().length >= 4);
      expect(sequences()).toEqual([1, 2, 3, 4]);
      // It comes back holding nothing: the run it vanished with is forgotten, never reported.
      expect(received()[3]).toMatchObject({ gpusInUse: 0, runs: [] });
      expect(received().some((h) => h.runs.length > 0 || h.gpusInUse > 0)).toBe(false);
      expect(placement.reports()).toBe(0);
    });
  });

  it("counts an ordinary job's GPUs as in use while it runs", async () => {
    await provider('alone');
    await placement.push('alone', {
      assignment: api.Assignment.fromPartial({
        jobId: 'job-2',
        attempt: 1,
        tier: api.Tier.TIER_STANDARD,
        spec: { gpuClass: 'a100-80g', gpuCount: 2, estimatedDurationSeconds: 90 },
      }),
    });
    const running = placement.heartbeatsAfter('alone');
    await until(() => running().some((h) => h.gpusInUse > 0));
    expect(running().find((h) => h.gpusInUse > 0)).toMatchObject({ gpusInUse: 2, runs: [{ jobId: 'job-2', attempt: 1 }] });
    await until(() => placement.completed.length === 1);
    expect(placement.completed[0]!.usage!.amounts!.gpuMilliseconds).toBe(String(90_000 * 2));
  });
});
