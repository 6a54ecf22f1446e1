// Pipeline steps through whole scheduler cycles: a job waits, queued with the reason, until the
// jobs it depends on complete (whatever order their events arrive in), then prefers the provider
// that produced the output it reads; it fails when one of them fails, and so do the steps after
// it; a dependency that ended before the step arrived is looked up the way the engine does it
// (the outcomes of ended jobs are kept past a cycle only in the tables).
import { beforeEach, describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { defaultPlacementPolicy, PlacementState, type JobOutcome } from '../domain/index.js';
import { Attempts } from './attempt-book.js';
import { Cycle, type CycleEffects } from './cycle.js';
import type { SchedulerInput } from './inputs.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const GB = 1_000_000_000n;
const ts = (ms: number): api.Timestamp => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
const pending = { resolve: () => undefined, reject: () => undefined };

class Scheduler {
  readonly state = PlacementState.empty(defaultPlacementPolicy);
  private readonly attempts = new Attempts();
  private readonly stopsTold = new Set<string>();
  /** What the engine's `jobs` table says of ended jobs. */
  readonly table = new Map<string, JobOutcome>();
  readonly log: EventEnvelope[] = [];
  nowMs = T0;
  private eventNo = 0;

  run(inputs: SchedulerInput[]): CycleEffects {
    // As the engine does: outcomes of the dependencies of arriving jobs, from the table.
    for (const input of inputs) {
      if (input.kind !== 'events') continue;
      for (const e of input.events) {
        const spec = events.JobEvent.fromJSON(e.envelope.data).jobSubmitted?.spec;
        for (const d of spec?.dependsOn ?? []) if (this.table.has(d.jobId) && !this.state.registry.jobs.has(d.jobId)) this.state.registry.outcomes.set(d.jobId, this.table.get(d.jobId)!);
      }
    }
    const fresh = new Set(inputs.flatMap((i) => (i.kind === 'events' ? i.events.map((e) => e.envelope.id) : [])));
    const cycle = new Cycle({ state: this.state, attempts: this.attempts, pastAttempts: new Map(), freshEventIds: fresh, newProviderId: () => `prv-${this.eventNo++}`, warn: () => undefined, stopsTold: this.stopsTold });
    const effects = cycle.run(inputs);
    for (const item of effects.stream) if (item.kind === 'ASSIGN') this.attempts.assign(item.jobId, item.attempt, item.providerId);
    for (const r of effects.attemptReports) this.attempts.report(r.jobId, r.attempt, r.kind);
    for (const jobId of effects.finished.keys()) this.attempts.forget(jobId);
    // Committed: the outcomes go to the table, and memory forgets them.
    for (const [jobId, outcome] of this.state.registry.outcomes) this.table.set(jobId, outcome);
    this.state.registry.outcomes.clear();
    this.log.push(...effects.jobEvents);
    for (const answer of effects.settle) answer();
    return effects;
  }

  register(name: string, price: string): string {
    let id = '';
    this.run([
      {
        kind: 'register',
        input: {
          operatorId: `op-${name}`,
          region: 'eu-west',
          jurisdiction: 'EU',
          gpus: [{ gpuClass: 'a100-80g', count: 4, vramGib: 80 }],
          pricePerGpuHourBaseUnits: price,
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
  submit(...jobs: { jobId: string; dependsOn?: { jobId: string; outputSizeBytes: string }[] }[]): CycleEffects {
    return this.run([
      {
        kind: 'events',
        events: jobs.flatMap(({ jobId, dependsOn }) => {
          const spec = api.JobSpec.fromPartial({ kind: api.WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP, gpuClass: 'a100-80g', gpuCount: 1, minVramGib: 40, estimatedDurationSeconds: 600, dependsOn: dependsOn ?? [] });
          return [
            this.logged({ jobSubmitted: { jobId, tenantId: 't', tenantPlan: 'p', spec, idempotencyKey: jobId, quote: undefined, submittedAt: ts(this.nowMs) } }, jobId),
            this.logged({ jobClassified: { jobId, tier: api.Tier.TIER_BATCH, policyVersion: 'p', matchedRuleId: 'r', reasons: [], classifiedAt: ts(this.nowMs) } }, jobId),
          ];
        }),
        ...pending,
      },
    ]);
  }

  report(jobId: string, kind: 'COMPLETED' | 'FAILED'): CycleEffects {
    const job = this.state.registry.jobs.get(jobId)!;
    this.nowMs += 1_000;
    return this.run([
      {
        kind: 'report',
        report: {
          kind,
          jobId,
          attempt: job.attempt,
          providerId: job.providerId!,
          receivedAtMs: this.nowMs,
          resultHash: 'h',
          ...(kind === 'FAILED' ? { failure: { category: api.FailureCategory.FAILURE_CATEGORY_WORKLOAD, retryable: false, message: 'bad input' } } : {}),
        },
        ...pending,
      } as SchedulerInput,
    ]);
  }

  /** The job events the scheduler decided about `jobId`, in order. */
  eventsOf(jobId: string): events.JobEvent[] {
    return this.log.filter((e) => e.subject === jobId).map((e) => events.JobEvent.fromJSON(e.data));
  }

  private logged(event: events.JobEvent, subject: string): LoggedEvent {
    const member = Object.keys(event)[0]!;
    const n = this.eventNo++;
    return {
      topic: 'jobs',
      partition: 0,
      offset: String(n),
      appendedAt: new Date(this.nowMs),
      key: subject,
      envelope: {
        id: `e${n}`,
        type: `switchyard.events.v1.${member.charAt(0).toUpperCase()}${member.slice(1)}`,
        source: '/test',
        subject,
        time: new Date(this.nowMs).toISOString(),
        data: events.JobEvent.toJSON(event) as never,
      },
    };
  }
}

const output = (jobId: string, bytes: bigint) => ({ jobId, outputSizeBytes: bytes.toString() });

describe('pipeline steps', () => {
  let s: Scheduler;
  let dear: string;
  beforeEach(() => {
    s = new Scheduler();
    dear = s.register('dear', '3000000');
  });

  it('waits with the reason until its dependencies complete, in any arrival order, then runs where its input is', () => {
    // The steps arrive before the job they depend on.
    s.submit({ jobId: 'step-3', dependsOn: [output('step-2', 200n * GB)] }, { jobId: 'step-2', dependsOn: [output('step-1', 200n * GB)] }, { jobId: 'step-1' });
    expect(s.eventsOf('step-1').map((e) => e.jobPlaced?.providerId)).toEqual([dear]);
    for (const [step, waitsFor] of [['step-2', 'step-1'], ['step-3', 'step-2']] as const) {
      const queued = s.eventsOf(step).map((e) => e.jobQueued);
      expect(queued).toHaveLength(1);
      expect(queued[0]!.reasons).toEqual([`waits for 1 job it depends on to complete: ${waitsFor}`]);
      expect(s.state.registry.jobs.get(step)!.waitingFor).toEqual([waitsFor]);
    }
    expect(s.state.waiting.size).toBe(0);

    // A cheaper provider appears: a step that reads 200 GB from the dearer one still goes there.
    const cheap = s.register('cheap', '1000000');
    s.report('step-1', 'COMPLETED');
    const placed2 = s.eventsOf('step-2').flatMap((e) => (e.jobPlaced ? [e.jobPlaced] : []));
    expect(placed2.map((p) => p.providerId)).toEqual([dear]);
    const [chosen, other] = placed2[0]!.decision!.candidates;
    expect(chosen!.factors!.fetchBytes).toBe('0');
    expect(other!.providerId).toBe(cheap);
    expect(other!.factors!.fetchBytes).toBe(String(200n * GB));
    expect(s.eventsOf('step-3').some((e) => e.jobPlaced)).toBe(false);

    s.report('step-2', 'COMPLETED');
    expect(s.eventsOf('step-3').flatMap((e) => (e.jobPlaced ? [e.jobPlaced.providerId] : []))).toEqual([dear]);
  });

  it('goes where it is cheapest when the output it reads is small', () => {
    s.submit({ jobId: 'first' });
    const cheap = s.register('cheap', '1000000');
    s.report('first', 'COMPLETED');
    s.submit({ jobId: 'small', dependsOn: [output('first', 1_000n)] });
    expect(s.eventsOf('small').flatMap((e) => (e.jobPlaced ? [e.jobPlaced.providerId] : []))).toEqual([cheap]);
  });

  it('fails when a dependency fails, and the steps after it fail too', () => {
    s.submit({ jobId: 'extract' }, { jobId: 'transform', dependsOn: [output('extract', 0n)] }, { jobId: 'load', dependsOn: [output('transform', 0n)] });
    s.report('extract', 'FAILED');
    for (const [step, dependency] of [['transform', 'extract'], ['load', 'transform']] as const) {
      const failed = s.eventsOf(step).flatMap((e) => (e.jobFailed ? [e.jobFailed] : []));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        category: api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY,
        source: events.FailureSource.FAILURE_SOURCE_SYSTEM,
        fault: events.Fault.FAULT_WORKLOAD,
        providerId: '',
        message: `job ${dependency}, which it depends on, ended FAILED instead of completing`,
      });
      expect(s.state.registry.jobs.has(step)).toBe(false);
    }
    expect(s.state.registry.dependents.size).toBe(0);
  });

  it('reads how a dependency ended before it arrived from the tables, not from memory', () => {
    s.submit({ jobId: 'done' }, { jobId: 'broken' });
    s.report('done', 'COMPLETED');
    s.report('broken', 'FAILED');
    expect(s.state.registry.outcomes.size).toBe(0);
    s.submit({ jobId: 'after-done', dependsOn: [output('done', 10n * GB)] }, { jobId: 'after-broken', dependsOn: [output('done', 0n), output('broken', 0n)] });
    expect(s.eventsOf('after-done').flatMap((e) => (e.jobPlaced ? [e.jobPlaced.providerId] : []))).toEqual([dear]);
    expect(s.eventsOf('after-broken').flatMap((e) => (e.jobFailed ? [e.jobFailed.category] : []))).toEqual([api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY]);
  });

  it('a cancelled step stops waiting: its dependency completing later places nothing', () => {
    s.submit({ jobId: 'slow' }, { jobId: 'next', dependsOn: [output('slow', 0n)] });
    s.run([{ kind: 'events', events: [], ...pending }]);
    s.run([
      {
        kind: 'events',
        events: [
          {
            topic: 'jobs',
            partition: 0,
            offset: '999',
            appendedAt: new Date(s.nowMs),
            key: 'next',
            envelope: { id: 'cancel-next', type: 'switchyard.events.v1.JobCancelRequested', source: '/test', subject: 'next', time: new Date(s.nowMs).toISOString(), data: events.JobEvent.toJSON({ jobCancelRequested: { jobId: 'next', reason: 'changed my mind', requestedAt: ts(s.nowMs) } }) as never },
          },
        ],
        ...pending,
      },
    ]);
    expect(s.eventsOf('next').some((e) => e.jobCancelled)).toBe(true);
    expect(s.state.registry.dependents.size).toBe(0);
    s.report('slow', 'COMPLETED');
    expect(s.eventsOf('next').some((e) => e.jobPlaced)).toBe(false);
  });
});
