// A scheduler for whole-cycle tests: runs Cycle over an in-memory state the way the engine does
// (the attempt book holding leads' assignments, the ended jobs' outcomes kept in a table past the
// commit, the answers after it), without PostgreSQL or a log. Inputs are built as the shells
// would build them.
import { api, events } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { defaultPlacementPolicy, PlacementState, type JobOutcome } from '../domain/index.js';
import { Attempts } from './attempt-book.js';
import { Cycle, type CycleEffects, type StreamItem } from './cycle.js';
import type { SchedulerInput } from './inputs.js';

export const T0 = Date.parse('2026-12-01T00:00:00Z');
export const GB = 1_000_000_000n;
export const ts = (ms: number): api.Timestamp => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
export const pending = { resolve: () => undefined, reject: () => undefined };

export interface ProviderShape {
  readonly price?: string;
  readonly gpus?: number;
  readonly operatorId?: string;
  readonly region?: string;
}

export interface JobShape {
  readonly jobId: string;
  readonly dependsOn?: { jobId: string; outputSizeBytes: string }[];
  readonly spec?: Partial<api.JobSpec>;
  readonly tier?: api.Tier;
}

export class Scheduler {
  readonly state = PlacementState.empty(defaultPlacementPolicy);
  private readonly attempts = new Attempts();
  private readonly stopsTold = new Set<string>();
  /** What the engine's `jobs` table says of ended jobs. */
  readonly table = new Map<string, JobOutcome>();
  readonly log: EventEnvelope[] = [];
  /** Every assignment-stream item of every cycle, in order. */
  readonly stream: StreamItem[] = [];
  nowMs = T0;
  private eventNo = 0;
  private readonly sequences = new Map<string, number>();

  run(inputs: SchedulerInput[]): CycleEffects {
    // As the engine does: outcomes of the dependencies of arriving jobs, from the table.
    for (const input of inputs) {
      if (input.kind !== 'events') continue;
      for (const e of input.events) {
        const spec = events.JobEvent.fromJSON(e.envelope.data).jobSubmitted?.spec;
        for (const d of spec?.dependsOn ?? [])
          if (this.table.has(d.jobId) && !this.state.registry.jobs.has(d.jobId))
            this.state.registry.outcomes.set(d.jobId, this.table.get(d.jobId)!);
      }
    }
    const fresh = new Set(inputs.flatMap((i) => (i.kind === 'events' ? i.events.map((e) => e.envelope.id) : [])));
    const cycle = new Cycle({
      state: this.state,
      attempts: this.attempts,
      pastAttempts: new Map(),
      freshEventIds: fresh,
      newProviderId: () => `prv-${this.eventNo++}`,
      warn: () => undefined,
      stopsTold: this.stopsTold,
    });
    const effects = cycle.run(inputs);
    for (const item of effects.stream) {
      if (item.kind === 'ASSIGN' && (item.gang === undefined || item.gang.leadProviderId === item.providerId))
        this.attempts.assign(item.jobId, item.attempt, item.providerId);
    }
    for (const r of effects.attemptReports) this.attempts.report(r.jobId, r.attempt, r.kind);
    for (const jobId of effects.finished.keys()) this.attempts.forget(jobId);
    // Committed: the outcomes go to the table, and memory forgets them.
    for (const [jobId, outcome] of this.state.registry.outcomes) this.table.set(jobId, outcome);
    this.state.registry.outcomes.clear();
    this.log.push(...effects.jobEvents);
    this.stream.push(...effects.stream);
    for (const answer of effects.settle) answer();
    return effects;
  }

  register(name: string, price: string, shape: ProviderShape = {}): string {
    let id = '';
    this.run([
      {
        kind: 'register',
        input: {
          operatorId: shape.operatorId ?? `op-${name}`,
          region: shape.region ?? 'eu-west',
          jurisdiction: 'EU',
          gpus: [{ gpuClass: 'a100-80g', count: shape.gpus ?? 4, vramGib: 80 }],
          pricePerGpuHourBaseUnits: shape.price ?? price,
          advertisedLatencyMs: 20,
          endpoint: `grpc://${name}`,
          ingressMbps: 1_000,
          transferPricePerGbBaseUnits: '200000',
          receivedAtMs: this.nowMs,
        },
        tokenHash: name,
        providerToken: name,
        resolve: (r: { providerId: string }) => {
          id = r.providerId;
        },
        reject: () => undefined,
      } as SchedulerInput,
    ]);
    return id;
  }

  /** JobSubmitted and JobClassified of each job, in the order given, in one cycle. */
  submit(...jobs: JobShape[]): CycleEffects {
    return this.run([
      {
        kind: 'events',
        events: jobs.flatMap(({ jobId, dependsOn, spec: overrides, tier }) => {
          const spec = api.JobSpec.fromPartial({
            kind: api.WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP,
            gpuClass: 'a100-80g',
            gpuCount: 1,
            minVramGib: 40,
            estimatedDurationSeconds: 600,
            dependsOn: dependsOn ?? [],
            ...overrides,
          });
          return [
            this.logged(
              {
                jobSubmitted: {
                  jobId,
                  tenantId: 't',
                  tenantPlan: 'p',
                  spec,
                  idempotencyKey: jobId,
                  quote: undefined,
                  submittedAt: ts(this.nowMs),
                },
              },
              jobId,
            ),
            this.logged(
              {
                jobClassified: {
                  jobId,
                  tier: tier ?? api.Tier.TIER_BATCH,
                  policyVersion: 'p',
                  matchedRuleId: 'r',
                  reasons: [],
                  classifiedAt: ts(this.nowMs),
                },
              },
              jobId,
            ),
          ];
        }),
        ...pending,
      },
    ]);
  }

  /** A report of the job's current attempt, from its provider (a gang's lead) unless `providerId` says otherwise; the answer or the refusal. */
  report(jobId: string, kind: 'STARTED' | 'COMPLETED' | 'FAILED', providerId?: string): { effects: CycleEffects; answer: unknown } {
    const job = this.state.registry.jobs.get(jobId)!;
    this.nowMs += 1_000;
    let answer: unknown;
    const effects = this.run([
      {
        kind: 'report',
        report: {
          kind,
          jobId,
          attempt: job.attempt,
          providerId: providerId ?? job.providerId!,
          receivedAtMs: this.nowMs,
          resultHash: 'h',
          ...(kind === 'FAILED'
            ? { failure: { category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD, retryable: false, message: 'bad input' } }
            : {}),
        },
        resolve: (value: unknown) => {
          answer = value;
        },
        reject: (error: unknown) => {
          answer = error;
        },
      } as SchedulerInput,
    ]);
    return { effects, answer };
  }

  /** A heartbeat from each provider named, listing the runs it holds, at the current time. */
  heartbeat(providerId: string, runs: api.HeldRun[] = []): CycleEffects {
    const sequence = (this.sequences.get(providerId) ?? 0) + 1;
    this.sequences.set(providerId, sequence);
    const input = {
      providerId,
      sequence: String(sequence),
      gpusInUse: 0,
      health: api.HealthStatus.HEALTH_STATUS_HEALTHY,
      receivedAtMs: this.nowMs,
    };
    return this.run([{ kind: 'heartbeat', input, runs, ...pending } as SchedulerInput]);
  }

  tick(retryQueue = false): CycleEffects {
    return this.run([{ kind: 'tick', atMs: this.nowMs, retryQueue }]);
  }

  /** The job events the scheduler decided about `jobId`, in order. */
  eventsOf(jobId: string): events.JobEvent[] {
    return this.log.filter((e) => e.subject === jobId).map((e) => events.JobEvent.fromJSON(e.data));
  }

  /** A jobs-topic record as the consumer delivers it, now. */
  logged(event: events.JobEvent, subject: string): LoggedEvent {
    return loggedEvent(event, subject, this.eventNo++, this.nowMs);
  }
}

/** The `n`th jobs-topic record as the consumer delivers it, appended at `atMs`. */
export function loggedEvent(event: events.JobEvent, subject: string, n: number, atMs: number): LoggedEvent {
  const member = Object.keys(event)[0]!;
  return {
    topic: 'jobs',
    partition: 0,
    offset: String(n),
    appendedAt: new Date(atMs),
    key: subject,
    envelope: {
      id: `e${n}`,
      type: `switchyard.events.v1.${member.charAt(0).toUpperCase()}${member.slice(1)}`,
      source: '/test',
      subject,
      time: new Date(atMs).toISOString(),
      data: events.JobEvent.toJSON(event) as never,
    },
  };
}
