// What the placement integration tests share: an isolated schema, topic prefix and consumer group
// per test file, the service as real child processes, a real gRPC client per provider, and the
// real event log to append job events to and read placement's events from.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata, type ChannelCredentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { api, events, TOPICS, topicNames } from '@switchyard/contracts';
import { KafkaEventLog, PostgresEventLog, type EventEnvelope, type EventLog, type LoggedEvent } from '@switchyard/event-log';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { createTestSchema, databaseUrl, kafkaBrokers, operatorsDocument, uniqueName, type TestSchema } from '@switchyard/testing';
import pg from 'pg';

export const serviceDir = fileURLToPath(new URL('../..', import.meta.url));
import type { Backend } from '@switchyard/testing';
export type { Backend };

export interface Operator {
  operatorId: string;
  apiKey: string;
}

export class PlacementFixture {
  readonly operators: Operator[] = ['op-north', 'op-south', 'op-east'].map((operatorId) => ({
    operatorId,
    apiKey: `key_${randomBytes(16).toString('hex')}`,
  }));
  readonly topicPrefix = `${uniqueName('pl')}.`;
  readonly topics = topicNames(this.topicPrefix);
  readonly group = uniqueName('placement');
  readonly services: ServiceProcess[] = [];
  eventLog!: EventLog;
  db!: pg.Pool;
  private schema!: TestSchema;
  private logSchema: TestSchema | undefined;
  private dir!: string;

  constructor(readonly backend: Backend = 'kafka') {}

  async setUp(): Promise<void> {
    this.schema = await createTestSchema('pl');
    this.dir = mkdtempSync(join(tmpdir(), 'placement-test-'));
    writeFileSync(join(this.dir, 'operators.json'), JSON.stringify(operatorsDocument(this.operators)));
    if (this.backend === 'kafka') {
      this.eventLog = new KafkaEventLog({ brokers: kafkaBrokers(), clientId: uniqueName('placement-test') });
    } else {
      this.logSchema = await createTestSchema('pllog');
      this.eventLog = new PostgresEventLog({ connectionString: this.logSchema.url, consumer: { pollIntervalMs: 200 } });
    }
    await this.eventLog.admin.createTopics(
      (['jobs', 'providers', 'usage'] as const).map((name) => ({ topic: this.topics[name], partitions: TOPICS[name].partitions })),
    );
    this.db = new pg.Pool({ connectionString: this.schema.url, max: 2 });
  }

  /** Starts one more placement process on the shared database, log and consumer group. */
  async startService(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = await startServiceProcess({
      cwd: serviceDir,
      startTimeoutMs: 60_000,
      env: {
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: this.schema.name,
        EVENT_LOG_BACKEND: this.backend,
        ...(this.backend === 'kafka' ? { KAFKA_BROKERS: kafkaBrokers().join(',') } : { EVENT_LOG_DATABASE_URL: this.logSchema!.url }),
        SWITCHYARD_TOPIC_PREFIX: this.topicPrefix,
        PLACEMENT_CONSUMER_GROUP: this.group,
        OPERATOR_CREDENTIALS_FILE: join(this.dir, 'operators.json'),
        QUEUE_RETRY_PERIOD_MS: '500',
        ...env,
      },
    });
    this.services.push(service);
    return service;
  }

  async tearDown(): Promise<void> {
    // PLACEMENT_TEST_LOGS=1 prints what the services logged, for diagnosing a failure.
    if (process.env.PLACEMENT_TEST_LOGS) for (const s of this.services) console.log(s.logs.map((l) => JSON.stringify(l)).join('\n'));
    await Promise.all(this.services.map((s) => s.stop(15_000).catch(() => undefined)));
    await this.db?.end();
    if (this.eventLog) {
      await this.eventLog.admin
        .deleteTopics([this.topics.jobs, this.topics.providers, this.topics.usage, `${this.topics.jobs}-dlt`])
        .catch(() => undefined);
      await this.eventLog.close();
    }
    await this.schema?.drop();
    await this.logSchema?.drop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes a placement policy file (domain/policy-file.ts) for PLACEMENT_POLICY_FILE; returns its path. */
  writePolicy(policy: Record<string, unknown>): string {
    const path = join(this.dir, `policy-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(path, JSON.stringify(policy));
    return path;
  }

  /** Appends a job's JobSubmitted and JobClassified as intake and the classifier would. */
  async submitClassifiedJob(job: {
    jobId?: string;
    tenantId?: string;
    tier?: api.Tier;
    spec?: Partial<api.JobSpec>;
    submittedAt?: Date;
  }): Promise<string> {
    const jobId = job.jobId ?? uniqueName('job');
    const at = job.submittedAt ?? new Date();
    const spec: api.JobSpec = {
      kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
      modelRef: 'meta-llama/Llama-3.1-8B-Instruct@main',
      gpuClass: 'a100-80g',
      gpuCount: 1,
      minVramGib: 40,
      maxLatencyMs: 0,
      allowedRegions: [],
      dataResidency: '',
      maxPriceBaseUnits: '0',
      estimatedDurationSeconds: 60,
      labels: {},
      deadline: undefined,
      inputs: [],
      dependsOn: [],
      gangDomain: api.GangDomain.GANG_DOMAIN_UNSPECIFIED,
      ...job.spec,
    };
    await this.eventLog.append(this.topics.jobs, [
      jobEvent(jobId, at, {
        jobSubmitted: {
          jobId,
          tenantId: job.tenantId ?? 'tenant-a',
          tenantPlan: 'pro',
          spec,
          idempotencyKey: jobId,
          quote: undefined,
          submittedAt: ts(at),
        },
      }),
      jobEvent(jobId, at, {
        jobClassified: {
          jobId,
          tier: job.tier ?? api.Tier.TIER_STANDARD,
          policyVersion: 'test',
          matchedRuleId: 'test',
          reasons: [],
          classifiedAt: ts(at),
        },
      }),
    ]);
    return jobId;
  }

  async requestCancel(jobId: string): Promise<void> {
    const at = new Date();
    await this.eventLog.append(this.topics.jobs, [
      jobEvent(jobId, at, { jobCancelRequested: { jobId, reason: 'tenant asked', requestedAt: ts(at) } }),
    ]);
  }

  /** Every event on a topic so far, decoded. */
  async eventsOn(topic: 'jobs' | 'providers' | 'usage'): Promise<LoggedEvent[]> {
    const found: LoggedEvent[] = [];
    for await (const event of this.eventLog.read({ topic: this.topics[topic] })) found.push(event);
    return found;
  }

  async jobEvents(jobId: string): Promise<{ type: string; event: events.JobEvent; envelope: EventEnvelope }[]> {
    return (await this.eventsOn('jobs'))
      .filter((e) => e.envelope.subject === jobId)
      .map((e) => ({ type: shortType(e.envelope.type), event: events.JobEvent.fromJSON(e.envelope.data), envelope: e.envelope }));
  }

  async providerEvents(providerId: string): Promise<{ type: string; event: events.ProviderEvent }[]> {
    return (await this.eventsOn('providers'))
      .filter((e) => e.envelope.subject === providerId)
      .map((e) => ({ type: shortType(e.envelope.type), event: events.ProviderEvent.fromJSON(e.envelope.data) }));
  }
}

export function shortType(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}

function jobEvent(jobId: string, at: Date, event: events.JobEvent): EventEnvelope {
  const member = Object.keys(event).find((k) => event[k as keyof events.JobEvent] !== undefined)!;
  return {
    id: uniqueName('evt'),
    type: `switchyard.events.v1.${member.charAt(0).toUpperCase()}${member.slice(1)}`,
    source: '/switchyard/test',
    subject: jobId,
    time: at.toISOString(),
    data: events.JobEvent.toJSON(event) as EventEnvelope['data'],
  };
}

export function ts(at: Date): api.Timestamp {
  const ms = at.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** A provider as the outside world sees it: a gRPC client with its credentials. */
export class ProviderClient {
  readonly client: api.ProviderServiceClient;
  providerId = '';
  token = '';
  /** The runs its heartbeats say it holds; undefined: it does not report them (runs_reported false). */
  holding: api.HeldRun[] | (() => api.HeldRun[]) | undefined;
  private sequence = 0n;
  private beating: NodeJS.Timeout | undefined;

  constructor(address: string, channel: ChannelCredentials = credentials.createInsecure()) {
    this.client = new api.ProviderServiceClient(address, channel);
  }

  private auth(secret: string | undefined = this.token): Metadata {
    const metadata = new Metadata();
    if (secret !== undefined) metadata.set('authorization', `Bearer ${secret}`);
    return metadata;
  }

  /** Registers for `operator`, authenticated by its API key unless `apiKey` is false (a client certificate instead). */
  async register(
    operator: Operator,
    offer: Partial<api.RegisterProviderRequest> = {},
    { apiKey = true }: { apiKey?: boolean } = {},
  ): Promise<api.RegisterProviderResponse> {
    const request: api.RegisterProviderRequest = {
      operatorId: operator.operatorId,
      region: 'eu-west',
      jurisdiction: 'EU',
      gpus: [{ gpuClass: 'a100-80g', count: 4, vramGib: 80 }],
      pricePerGpuHourBaseUnits: '1500000',
      advertisedLatencyMs: 20,
      endpoint: `https://${uniqueName('gpu')}.example.net:8443`,
      ingressMbps: 0,
      transferPricePerGbBaseUnits: '0',
      heldDigests: [],
      ...offer,
    };
    const { response, headerToken } = await new Promise<{ response: api.RegisterProviderResponse; headerToken: string }>(
      (resolve, reject) => {
        let headerToken = '';
        const call = this.client.registerProvider(request, this.auth(apiKey ? operator.apiKey : undefined), (error, response) =>
          error ? reject(error) : resolve({ response: response!, headerToken }),
        );
        call.on('metadata', (metadata) => (headerToken = String(metadata.get('x-provider-token')[0] ?? '')));
      },
    );
    // The token is the response's field; the header still carries the same one for clients built
    // before the field existed.
    if (headerToken !== response.providerToken) throw new Error('x-provider-token header and provider_token field differ');
    this.providerId = response.providerId;
    this.token = response.providerToken;
    return response;
  }

  heartbeat(
    gpusInUse = 0,
    health = api.HealthStatus.HEALTH_STATUS_HEALTHY,
    sequence?: bigint,
    digests: { added?: string[]; evicted?: string[] } = {},
  ): Promise<api.HeartbeatResponse> {
    this.sequence = sequence ?? this.sequence + 1n;
    const held = typeof this.holding === 'function' ? this.holding() : this.holding;
    const runs = held === undefined ? {} : { runs: held, runsReported: true };
    const request = api.HeartbeatRequest.fromPartial({
      providerId: this.providerId,
      gpusInUse,
      health,
      sequence: this.sequence.toString(),
      ...runs,
      addedDigests: digests.added ?? [],
      evictedDigests: digests.evicted ?? [],
    });
    return unary((cb) => this.client.heartbeat(request, this.auth(), cb));
  }

  /** Heartbeats every `ms` until stopped. */
  keepBeating(ms: number): void {
    this.stopBeating();
    this.beating = setInterval(() => void this.heartbeat().catch(() => undefined), ms);
  }

  stopBeating(): void {
    clearInterval(this.beating);
  }

  started(jobId: string, attempt: number): Promise<api.ReportStartedResponse> {
    return unary((cb) => this.client.reportStarted({ jobId, attempt, providerId: this.providerId }, this.auth(), cb));
  }

  completed(
    jobId: string,
    attempt: number,
    reportId = uniqueName('report'),
    inputs: Partial<Pick<api.ReportCompletedRequest, 'fetchedDigests' | 'cachedDigests'>> = {},
  ): Promise<api.ReportCompletedResponse> {
    const request: api.ReportCompletedRequest = {
      jobId,
      attempt,
      providerId: this.providerId,
      resultHash: 'sha256:feedface',
      usage: { reportId, amounts: { gpuMilliseconds: '61000', tokens: '1200', bytes: '4096', fetchedBytes: '0' } },
      fetchedDigests: [],
      cachedDigests: [],
      ...inputs,
    };
    return unary((cb) => this.client.reportCompleted(request, this.auth(), cb));
  }

  failed(
    jobId: string,
    attempt: number,
    {
      category = api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
      retryable = true,
      usage,
    }: { category?: api.FailureCategory; retryable?: boolean; usage?: api.UsageReport } = {},
  ): Promise<api.ReportFailedResponse> {
    const request: api.ReportFailedRequest = {
      jobId,
      attempt,
      providerId: this.providerId,
      category,
      retryable,
      message: category === api.FailureCategory.FAILURE_CATEGORY_WORKLOAD ? 'the image exited 1' : 'GPU fell off the bus',
      usage,
    };
    return unary((cb) => this.client.reportFailed(request, this.auth(), cb));
  }

  /** Opens the assignment stream; messages collect in `received`. */
  stream(resumeCursor = ''): AssignmentFeed {
    return new AssignmentFeed(this.client.streamAssignments({ providerId: this.providerId, resumeCursor }, this.auth()));
  }

  close(): void {
    this.stopBeating();
    this.client.close();
  }
}

export class AssignmentFeed {
  readonly received: api.StreamAssignmentsResponse[] = [];
  error: ServiceError | undefined;

  constructor(readonly call: ClientReadableStream<api.StreamAssignmentsResponse>) {
    call.on('data', (message: api.StreamAssignmentsResponse) => this.received.push(message));
    call.on('error', (error: ServiceError) => (this.error = error));
  }

  assignments(): api.Assignment[] {
    return this.received.flatMap((m) => (m.assignment ? [m.assignment] : []));
  }

  stops(): api.StopInstruction[] {
    return this.received.flatMap((m) => (m.stop ? [m.stop] : []));
  }

  cancel(): void {
    this.call.cancel();
  }
}

function unary<T>(start: (callback: (error: ServiceError | null, response?: T) => void) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, response) => (error ? reject(error) : resolve(response!)));
  });
}

export { eventually } from '@switchyard/testing';
