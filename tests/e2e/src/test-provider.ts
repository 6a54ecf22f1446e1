// A provider driven by a test: registers, heartbeats until told to go silent, records what its
// assignment stream delivers, and reports only when the test says so.
import type { ClientReadableStream } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { ProviderApi } from './grpc-clients.js';

export interface ProviderShape {
  readonly operatorKey: string;
  readonly operatorId: string;
  readonly region: string;
  readonly jurisdiction?: string;
  readonly gpuClass: string;
  readonly gpus: number;
  readonly vramGib?: number;
  readonly pricePerGpuHourBaseUnits: number;
  readonly latencyMs: number;
}

export class TestProvider {
  readonly assignments: api.Assignment[] = [];
  readonly stops: api.StopInstruction[] = [];
  providerId = '';
  private token = '';
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;
  private stream: ClientReadableStream<api.StreamAssignmentsResponse> | undefined;
  private readonly api: ProviderApi;

  private constructor(
    address: string,
    readonly shape: ProviderShape,
  ) {
    this.api = new ProviderApi(address);
  }

  static async register(address: string, shape: ProviderShape): Promise<TestProvider> {
    const provider = new TestProvider(address, shape);
    const { providerId, token } = await provider.api.register(shape.operatorKey, {
      operatorId: shape.operatorId,
      region: shape.region,
      jurisdiction: shape.jurisdiction ?? 'EU',
      gpus: [{ gpuClass: shape.gpuClass, count: shape.gpus, vramGib: shape.vramGib ?? 80 }],
      pricePerGpuHourBaseUnits: String(shape.pricePerGpuHourBaseUnits),
      advertisedLatencyMs: shape.latencyMs,
      endpoint: `test://${shape.operatorId}/${shape.region}/${shape.latencyMs}/${Math.random().toString(36).slice(2)}`,
    });
    provider.providerId = providerId;
    provider.token = token;
    await provider.beat();
    provider.timer = setInterval(() => void provider.beat().catch(() => undefined), 250);
    provider.follow();
    return provider;
  }

  private beat(): Promise<api.HeartbeatResponse> {
    this.sequence += 1;
    return this.api.heartbeat(this.token, {
      providerId: this.providerId,
      gpusInUse: 0,
      health: api.HealthStatus.HEALTH_STATUS_HEALTHY,
      sequence: String(this.sequence),
    });
  }

  private follow(): void {
    const stream = this.api.assignments(this.token, this.providerId);
    this.stream = stream;
    stream.on('data', (message: api.StreamAssignmentsResponse) => {
      if (message.assignment) this.assignments.push(message.assignment);
      if (message.stop) this.stops.push(message.stop);
    });
    stream.on('error', () => undefined);
  }

  hasJob(jobId: string): boolean {
    return this.assignments.some((a) => a.jobId === jobId);
  }

  attemptOf(jobId: string): number {
    const found = [...this.assignments].reverse().find((a) => a.jobId === jobId);
    if (!found) throw new Error(`${this.providerId} was never assigned ${jobId}`);
    return found.attempt;
  }

  async start(jobId: string): Promise<void> {
    await this.api.started(this.token, { jobId, attempt: this.attemptOf(jobId), providerId: this.providerId });
  }

  async complete(
    jobId: string,
    usage: { reportId: string; gpuMilliseconds: number; tokens?: number; bytes?: number; fetchedBytes?: number },
  ): Promise<void> {
    await this.api.completed(this.token, {
      jobId,
      attempt: this.attemptOf(jobId),
      providerId: this.providerId,
      resultHash: `sha256:${jobId}`,
      usage: {
        reportId: usage.reportId,
        amounts: {
          gpuMilliseconds: String(usage.gpuMilliseconds),
          tokens: String(usage.tokens ?? 0),
          bytes: String(usage.bytes ?? 0),
          fetchedBytes: String(usage.fetchedBytes ?? 0),
        },
      },
    });
  }

  async fail(jobId: string, retryable: boolean, category = api.FailureCategory.FAILURE_CATEGORY_HARDWARE): Promise<void> {
    await this.api.failed(this.token, {
      jobId,
      attempt: this.attemptOf(jobId),
      providerId: this.providerId,
      category,
      retryable,
      message: category === api.FailureCategory.FAILURE_CATEGORY_WORKLOAD ? 'the step exited 1' : 'GPU fell off the bus',
    });
  }

  /** Stops heartbeating and drops the stream, as a crashed provider would. */
  goSilent(): void {
    clearInterval(this.timer);
    this.stream?.cancel();
  }

  close(): void {
    this.goSilent();
    this.api.close();
  }
}
