// One simulated provider: a real gRPC client of switchyard.v1.ProviderService that registers,
// heartbeats, follows its assignment stream, "runs" each job for its estimated duration (scaled),
// reports start, completion and usage, and sometimes fails a run or vanishes for a while. In a
// gang split over providers the lead runs and reports for the whole gang; any other member only
// holds its GPUs for it and lists the run in its heartbeats until it is told to stop.
import { randomUUID } from 'node:crypto';
import { credentials, Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { grpcClientTracing } from '@switchyard/telemetry';
import { api } from '@switchyard/contracts';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import type { FleetConfig, ProviderPlan } from './fleet-plan.js';
import { DEFAULT_REPORT_RETRY, sendUntilAnswered, type PendingReport, type ReportRetryPolicy } from './report-retry.js';

export type FleetLog = (message: string) => void;

const PROVIDER_TOKEN_METADATA = 'x-provider-token';

export class SimulatedProvider {
  private readonly client: api.ProviderServiceClient;
  private readonly rng: RandomGenerator;
  private providerId = '';
  private token = '';
  private heartbeatMs = 10_000;
  private sequence = 0;
  /**
   * The runs its GPUs are given to, with how many: one it runs (alone or as a gang's lead, its
   * end timer set), or a gang it is a member of (no timer: it ends with a stop instruction).
   */
  private running = new Map<string, { timer: NodeJS.Timeout | undefined; gpus: number }>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stream: ClientReadableStream<api.StreamAssignmentsResponse> | undefined;
  private cursor = '';
  private vanishedUntil = 0;
  private stopped = false;
  /** Reports sent and not yet answered; each is retried with the same content until it is. */
  private readonly pending = new Set<PendingReport>();
  /**
   * The attempts it holds, as its heartbeats list them: accepted and not yet reported finished
   * (a run whose completion report is still unanswered is still held). A crash forgets them all.
   */
  private readonly holding = new Map<string, { jobId: string; attempt: number }>();
  /** Job inputs this provider holds (digests): fetched by a run, announced in the next heartbeat. */
  private readonly held = new Set<string>();
  private announce: string[] = [];

  constructor(
    readonly plan: ProviderPlan,
    private readonly config: FleetConfig,
    placementAddress: string,
    private readonly log: FleetLog,
    private readonly reportRetry: ReportRetryPolicy = DEFAULT_REPORT_RETRY,
  ) {
    // Each call a CLIENT span whose traceparent placement continues (exported when the fleet's tracing is).
    this.client = new api.ProviderServiceClient(placementAddress, credentials.createInsecure(), { interceptors: [grpcClientTracing] });
    this.rng = xoroshiro128plus(plan.seed);
  }

  get id(): string {
    return this.providerId;
  }

  async start(): Promise<void> {
    await this.register();
    this.log(
      `${this.plan.name}: registered as ${this.providerId} (${this.plan.operatorId}, ${this.plan.region}, ${this.plan.gpus}x ${this.plan.gpuClass})`,
    );
    this.scheduleHeartbeat(0);
    this.follow();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.heartbeatTimer);
    for (const run of this.running.values()) clearTimeout(run.timer);
    this.running.clear();
    for (const report of this.pending) report.cancel();
    this.pending.clear();
    this.stream?.cancel();
    this.client.close();
  }

  private register(): Promise<void> {
    const metadata = bearer(this.plan.apiKey);
    const request = api.RegisterProviderRequest.fromPartial({
      operatorId: this.plan.operatorId,
      region: this.plan.region,
      jurisdiction: this.plan.jurisdiction,
      gpus: [{ gpuClass: this.plan.gpuClass, count: this.plan.gpus, vramGib: this.plan.vramGib }],
      pricePerGpuHourBaseUnits: String(this.plan.pricePerGpuHourBaseUnits),
      advertisedLatencyMs: this.plan.latencyMs,
      endpoint: `sim://${this.plan.name}`,
    });
    return new Promise((resolve, reject) => {
      let headerToken = '';
      const call = this.client.registerProvider(request, metadata, (error, response) => {
        if (error) return reject(error);
        this.providerId = response.providerId;
        this.heartbeatMs = response.heartbeatIntervalMs || this.heartbeatMs;
        // provider_token is the answer; a placement older than the field sent only the header.
        this.token = response.providerToken || headerToken;
        resolve();
      });
      call.on('metadata', (received: Metadata) => {
        headerToken = received.get(PROVIDER_TOKEN_METADATA)[0]?.toString() ?? '';
      });
    });
  }

  private auth(): Metadata {
    return bearer(this.token || this.plan.apiKey);
  }

  private scheduleHeartbeat(delayMs: number): void {
    if (this.stopped) return;
    this.heartbeatTimer = setTimeout(() => {
      if (Date.now() >= this.vanishedUntil) {
        this.sequence += 1;
        const request = api.HeartbeatRequest.fromPartial({
          providerId: this.providerId,
          gpusInUse: this.gpusInUse(),
          health: api.HealthStatus.HEALTH_STATUS_HEALTHY,
          sequence: String(this.sequence),
          addedDigests: this.announce,
          runs: [...this.holding.values()],
          runsReported: true,
        });
        this.announce = [];
        this.client.heartbeat(request, this.auth(), (error) => {
          if (error && !this.stopped) this.log(`${this.plan.name}: heartbeat failed: ${error.message}`);
        });
      }
      this.scheduleHeartbeat(Math.max(200, Math.floor(this.heartbeatMs / 2)));
    }, delayMs);
  }

  /** Its GPUs given to runs: each job's `gpu_count`, or in a gang split over providers its own part of it. */
  private gpusInUse(): number {
    let gpus = 0;
    for (const run of this.running.values()) gpus += run.gpus;
    return Math.min(this.plan.gpus, gpus);
  }

  /** Follows the assignment stream, resuming from the last cursor after any interruption. */
  private follow(): void {
    if (this.stopped) return;
    const stream = this.client.streamAssignments({ providerId: this.providerId, resumeCursor: this.cursor }, this.auth());
    this.stream = stream;
    stream.on('data', (message: api.StreamAssignmentsResponse) => {
      this.cursor = message.cursor || this.cursor;
      if (Date.now() < this.vanishedUntil) return; // gone: the instruction is lost with us
      if (message.assignment) this.accept(message.assignment);
      if (message.stop) this.halt(message.stop);
    });
    const again = (): void => {
      if (this.stream === stream && !this.stopped) setTimeout(() => this.follow(), 500);
    };
    stream.on('error', again);
    stream.on('end', again);
  }

  private accept(assignment: api.Assignment): void {
    const key = `${assignment.jobId}#${assignment.attempt}`;
    if (this.running.has(key)) return;
    const roll = uniformInt(this.rng, 0, 9_999) / 10_000;
    if (roll < this.config.vanishRate) return this.vanish(assignment);
    const gang = assignment.gang;
    if (gang !== undefined && gang.leadProviderId !== this.providerId) return this.hold(assignment, gang);
    if (this.held.size > 0 && uniformInt(this.rng, 0, 9_999) / 10_000 < (this.config.forgetRate ?? 0)) this.forgetOne();
    const seconds = Math.max(1, assignment.spec?.estimatedDurationSeconds ?? 1);
    const runMs = Math.max(50, Math.floor((seconds * 1000) / this.config.timeScale));
    const fails = roll < this.config.vanishRate + this.config.failureRate;
    const report = { jobId: assignment.jobId, attempt: assignment.attempt, providerId: this.providerId };
    this.holding.set(key, { jobId: assignment.jobId, attempt: assignment.attempt });
    const released = (): void => {
      this.holding.delete(key);
    };
    this.report(`ReportStarted ${assignment.jobId}`, (done) => this.client.reportStarted(report, this.auth(), done));
    const timer = setTimeout(
      () => {
        this.running.delete(key);
        const { usage, fetchedDigests } = this.usageOf(assignment, fails ? 0.5 : 1);
        if (fails) {
          const failure = {
            ...report,
            category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
            retryable: true,
            message: 'simulated GPU fault',
            usage,
          };
          this.report(`ReportFailed ${assignment.jobId}`, (done) => this.client.reportFailed(failure, this.auth(), done), released);
          this.log(`${this.plan.name}: failed ${assignment.jobId} (attempt ${assignment.attempt})`);
        } else {
          // It keeps every input of the run (fetched ones included): placement adds them at once.
          const cachedDigests = (assignment.spec?.inputs ?? []).map((input) => input.digest);
          const done = { ...report, resultHash: `sha256:${randomUUID().replaceAll('-', '')}`, usage, fetchedDigests, cachedDigests };
          this.report(
            `ReportCompleted ${assignment.jobId}`,
            (answered) => this.client.reportCompleted(done, this.auth(), answered),
            released,
          );
          this.log(`${this.plan.name}: completed ${assignment.jobId} (attempt ${assignment.attempt})`);
        }
      },
      fails ? Math.floor(runMs / 2) : runMs,
    );
    // As a gang's lead only its own part of the GPUs is in use here; its reports cover the whole gang.
    this.running.set(key, { timer, gpus: gang?.gpuCount ?? Math.max(1, assignment.spec?.gpuCount ?? 1) });
  }

  /**
   * A member (not the lead) of a gang split over providers: it holds its part of the GPUs for the
   * lead's run and lists the run in its heartbeats (placement requeues the whole gang if a member
   * stops listing it) until a stop instruction ends it. It sends no report: the lead reports for
   * the gang, and a member's reports would be refused as not current.
   */
  private hold(assignment: api.Assignment, gang: api.GangAssignment): void {
    const key = `${assignment.jobId}#${assignment.attempt}`;
    this.holding.set(key, { jobId: assignment.jobId, attempt: assignment.attempt });
    this.running.set(key, { timer: undefined, gpus: gang.gpuCount });
    this.log(
      `${this.plan.name}: holds ${gang.gpuCount} GPUs for ${assignment.jobId} (attempt ${assignment.attempt}), led by ${gang.leadProviderId}`,
    );
  }

  /**
   * Sends one report (the same request object every time, so the same report id and amounts)
   * until placement answers it, across placement restarts and outages.
   */
  private report(what: string, send: (done: (error: ServiceError | null) => void) => void, onSettled?: () => void): void {
    if (this.stopped) return;
    const pending = sendUntilAnswered(send, this.reportRetry, (error, attempt, delayMs) => {
      if (attempt === 1 || attempt % 10 === 0)
        this.log(`${this.plan.name}: ${what}: ${error.message}; sending it again in ${delayMs} ms (attempt ${attempt})`);
    });
    this.pending.add(pending);
    void pending.done.then((answer) => {
      this.pending.delete(pending);
      onSettled?.();
      if (answer !== null && answer !== 'stopped')
        this.log(`${this.plan.name}: ${what}: ${answer === 'gave up' ? 'gave up' : `refused: ${answer.message}`}`);
    });
  }

  /** Drops one held input without announcing it: what placement believes it holds is now wrong. */
  private forgetOne(): void {
    const digests = [...this.held];
    const lost = digests[uniformInt(this.rng, 0, digests.length - 1)]!;
    this.held.delete(lost);
    this.log(`${this.plan.name}: lost ${lost} from its cache without telling`);
  }

  private usageOf(assignment: api.Assignment, share: number): { usage: api.UsageReport; fetchedDigests: string[] } {
    const spec = assignment.spec;
    // Every GPU of the job: a gang's lead reports for its members' GPUs too.
    const gpuMs = Math.floor((spec?.estimatedDurationSeconds ?? 1) * 1000 * (spec?.gpuCount || 1) * share);
    // Inputs it did not hold are fetched (and kept: the next heartbeat announces them).
    let fetched = 0n;
    const fetchedDigests: string[] = [];
    for (const input of spec?.inputs ?? []) {
      if (this.held.has(input.digest)) continue;
      fetched += BigInt(input.sizeBytes || '0');
      fetchedDigests.push(input.digest);
      this.held.add(input.digest);
      this.announce.push(input.digest);
    }
    const usage = {
      reportId: `${this.providerId}:${assignment.jobId}:${assignment.attempt}`,
      amounts: {
        gpuMilliseconds: String(gpuMs),
        tokens: String(spec?.modelRef ? uniformInt(this.rng, 500, 50_000) : 0),
        bytes: String(uniformInt(this.rng, 1_000, 50_000_000) + Number(fetched)),
        fetchedBytes: String(fetched),
      },
    };
    return { usage, fetchedDigests };
  }

  private halt(stop: api.StopInstruction): void {
    const key = `${stop.jobId}#${stop.attempt}`;
    clearTimeout(this.running.get(key)?.timer);
    this.holding.delete(key);
    if (this.running.delete(key)) this.log(`${this.plan.name}: stopped ${stop.jobId} (${api.stopReasonToJSON(stop.reason)})`);
  }

  /** Simulates a crash: every run (gang holds too) is dropped without a report, and heartbeats stop for a while. */
  private vanish(assignment: api.Assignment): void {
    for (const run of this.running.values()) clearTimeout(run.timer);
    this.running.clear();
    this.holding.clear();
    this.vanishedUntil = Date.now() + this.config.vanishForMs;
    this.log(`${this.plan.name}: vanished with ${assignment.jobId}; back in ${this.config.vanishForMs} ms`);
  }
}

function bearer(secret: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${secret}`);
  return metadata;
}
