// The placement scheduler: one active instance (the lease holder) keeps the whole state in memory
// and runs cycles. A cycle takes every input that arrived since the last one (consumed job events,
// provider calls, timer ticks), applies them in order and places what fits (cycle.ts), then
// commits the inbox claims, the changed rows, the assignment items and the outbox rows in ONE
// transaction fenced by the lease. Only then are the calls answered and the consumed offsets
// committed. A cycle that fails rolls back and the state is reloaded from the tables; a fenced one
// (the lease was lost) steps down. Standby instances poll the lease and take over when it expires.
import { randomUUID } from 'node:crypto';
import { events } from '@switchyard/contracts';
import type { ConsumerHandle, EventLog, LoggedEvent } from '@switchyard/event-log';
import pg from 'pg';
import { PlacementState, type PlacementPolicy } from '../domain/index.js';
import { claimInbox, loadOutcomes, loadPastAttempts, loadState, writeCycle, type SnapshotContext } from '../persistence/state-store.js';
import { SchedulerLease } from '../persistence/scheduler-lease.js';
import { NotLeader, SchedulerOverloaded, SchedulerUnavailable } from '../rejections.js';
import { Attempts } from './attempt-book.js';
import { Cycle } from './cycle.js';
import type { SchedulerInput } from './inputs.js';

/** Job events the scheduler acts on; the rest of the jobs topic is its own output or not its business. */
export const CONSUMED_JOB_EVENT_TYPES = ['JobSubmitted', 'JobClassified', 'JobCancelRequested'].map((t) => `switchyard.events.v1.${t}`);
export const IGNORED_JOB_EVENT_TYPES = [
  'JobQueued',
  'JobPlaced',
  'JobRequeued',
  'JobStarted',
  'JobCompleted',
  'JobFailed',
  'JobCancelled',
  'JobExpired',
].map((t) => `switchyard.events.v1.${t}`);

export interface SchedulerSettings {
  readonly databaseUrl: string;
  readonly databaseSchema: string;
  readonly eventLog: EventLog;
  readonly consumerGroup: string;
  readonly topics: SnapshotContext['topics'];
  readonly policy: PlacementPolicy;
  /** Address other instances forward provider calls to while this one leads. */
  readonly advertisedAddress: string;
  readonly leaseTtlMs: number;
  readonly livenessCheckPeriodMs: number;
  readonly queueRetryPeriodMs: number;
  /** Most inputs one cycle takes (the rest wait for the next). */
  readonly maxCycleInputs?: number;
  /** Most calls that may wait for the scheduler before new ones are refused (back-pressure). */
  readonly maxWaitingCalls?: number;
  readonly log: { log(message: string): void; warn(message: string): void; error(message: string): void };
  /** Called after every committed cycle (the assignment feed, metrics). */
  readonly onCommitted?: (committed: CommittedCycle) => void;
}

export interface CommittedCycle {
  readonly stream: Awaited<ReturnType<typeof writeCycle>>;
  readonly providersLost: number;
  readonly inputs: number;
  readonly placed: number;
  readonly durationMs: number;
}

type Role = 'standby' | 'leader' | 'stopped';

class Deposed extends Error {}

export class SchedulerEngine {
  readonly holder = `placement-${randomUUID()}`;
  private readonly pool: pg.Pool;
  private readonly lease: SchedulerLease;
  private role: Role = 'standby';
  private epoch: string | undefined;
  private leader: string | undefined;
  private state: PlacementState | undefined;
  private attempts = new Attempts();
  private tokens = new Map<string, string>();
  private providerOfHash = new Map<string, string>();
  private registeredAtMs = new Map<string, number>();
  private client: pg.PoolClient | undefined;
  private consumer: ConsumerHandle | undefined;
  private queue: SchedulerInput[] = [];
  private waitingCalls = 0;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private lastQueueRetry = 0;
  private readonly warnedTypes = new Set<string>();

  constructor(private readonly settings: SchedulerSettings) {
    this.pool = new pg.Pool({ connectionString: settings.databaseUrl, options: `-c search_path="${settings.databaseSchema}"`, max: 3 });
    // An idle connection the server closes must not crash the process; the next query reconnects.
    this.pool.on('error', (error) => settings.log.warn(`scheduler database connection: ${error.message}`));
    this.lease = new SchedulerLease(this.holder, settings.advertisedAddress, settings.leaseTtlMs);
  }

  get isLeader(): boolean {
    return this.role === 'leader' && this.state !== undefined;
  }

  /** The leader's address as last seen in the lease (this instance's own while it leads). */
  get leaderAddress(): string | undefined {
    return this.role === 'leader' ? this.settings.advertisedAddress : this.leader;
  }

  start(): void {
    this.loop ??= this.run();
    const period = Math.max(100, Math.min(this.settings.livenessCheckPeriodMs, Math.floor(this.settings.leaseTtlMs / 3)));
    this.tickTimer = setInterval(() => this.tick(), period);
  }

  async stop(): Promise<void> {
    const wasLeading = this.role === 'leader';
    this.role = 'stopped';
    clearInterval(this.tickTimer);
    this.signal();
    await this.loop;
    await this.consumer?.stop().catch(() => undefined);
    this.consumer = undefined;
    this.failAll(new SchedulerUnavailable('placement is shutting down'));
    if (wasLeading && this.epoch !== undefined) {
      const client = await this.pool.connect().catch(() => undefined);
      await client
        ?.query('SELECT 1')
        .then(() => this.lease.release(client, this.epoch!))
        .catch(() => undefined);
      client?.release();
    }
    this.client?.release();
    this.client = undefined;
    await this.pool.end().catch(() => undefined);
  }

  /** The scheduler's state while this instance leads (metrics read it); undefined on a standby. */
  get leading(): PlacementState | undefined {
    return this.isLeader ? this.state : undefined;
  }

  private readonly stopsTold = new Set<string>();

  /** Why each queued job waits: the most common reason of its last JobQueued. */
  readonly queueReasons = new Map<string, events.RejectionReason>();

  /** The provider a token hash belongs to, on the leader (callers forward otherwise). */
  providerOfToken(tokenHash: string): string | undefined {
    return this.providerOfHash.get(tokenHash);
  }

  /**
   * Queues a call for the next cycle and waits for its answer (after commit). While no leader is
   * known (an election in progress), waits for one up to the lease's length first.
   */
  async call<T>(build: (pending: { resolve: (value: T) => void; reject: (error: unknown) => void }) => SchedulerInput): Promise<T> {
    if (!this.isLeader && this.leader === undefined) await this.leaderKnown(this.settings.leaseTtlMs);
    if (!this.isLeader) throw new NotLeader(this.leader);
    const limit = this.settings.maxWaitingCalls ?? 20_000;
    if (this.waitingCalls >= limit) return Promise.reject(new SchedulerOverloaded(this.waitingCalls));
    this.waitingCalls++;
    return new Promise<T>((resolve, reject) => {
      this.queue.push(
        build({
          resolve: (value) => {
            this.waitingCalls--;
            resolve(value);
          },
          reject: (error) => {
            this.waitingCalls--;
            reject(error);
          },
        }),
      );
      this.signal();
    });
  }

  private readonly leadershipWaiters = new Set<() => void>();

  private leadershipChanged(): void {
    for (const wake of [...this.leadershipWaiters]) wake();
  }

  private leaderKnown(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.leadershipWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.leadershipWaiters.add(done);
    });
  }

  private tick(): void {
    if (this.role === 'stopped') return;
    if (!this.isLeader) {
      this.signal();
      return;
    }
    const now = Date.now();
    const retryQueue = now - this.lastQueueRetry >= this.settings.queueRetryPeriodMs;
    if (retryQueue) this.lastQueueRetry = now;
    // The timer is an input adapter: the time it fired is the decision's time.
    this.queue.push({ kind: 'tick', atMs: now, retryQueue });
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (this.role !== 'stopped') {
      try {
        if (this.role === 'standby') await this.standby();
        else await this.lead();
      } catch (error) {
        if ((this.role as Role) === 'stopped') break;
        this.settings.log.error(`scheduler: ${error instanceof Error ? error.message : String(error)}`);
        await this.stepDown();
        await this.idle(1_000);
      }
    }
  }

  /** Tries to take the lease; otherwise remembers who leads, for forwarding. */
  private async standby(): Promise<void> {
    const client = await this.pool.connect();
    try {
      const epoch = await this.lease.tryAcquire(client);
      if (epoch === undefined) {
        const current = await this.lease.current(client);
        this.leader = current === undefined || current.expired ? undefined : current.address;
        if (this.leader !== undefined) this.leadershipChanged();
        client.release();
        await this.idle(Math.min(1_000, this.settings.leaseTtlMs / 3));
        return;
      }
      this.epoch = epoch;
      this.client = client;
      this.role = 'leader';
      const started = Date.now();
      await this.loadState();
      this.settings.log.log(`leading the placement scheduler (epoch ${epoch}); state loaded in ${Date.now() - started} ms`);
      this.leadershipChanged();
      // Joining the consumer group can take seconds (Kafka): cycles for provider calls run meanwhile.
      const joining = this.settings.eventLog.consume(
        {
          groupId: this.settings.consumerGroup,
          topics: [this.settings.topics.jobs],
          maxBatchSize: 1000,
          // A poll's batches from every partition go into one cycle, not a cycle each.
          roundHandler: (batches) => this.consumed(batches.flatMap((batch) => batch.events)),
        },
        (batch) => this.consumed(batch.events),
      );
      void joining.then(
        async (handle) => {
          if (this.role === 'leader' && this.epoch === epoch) this.consumer = handle;
          else await handle.stop();
        },
        async (error: unknown) => {
          this.settings.log.error(
            `the jobs consumer did not start: ${error instanceof Error ? error.message : String(error)}; stepping down`,
          );
          if (this.epoch === epoch) await this.stepDown();
        },
      );
    } catch (error) {
      if (this.client !== client) client.release();
      throw error;
    }
  }

  private async loadState(): Promise<void> {
    const loaded = await loadState(this.client!, Date.now());
    this.state = PlacementState.of(loaded.registry, this.settings.policy);
    this.attempts = new Attempts(loaded.attempts);
    this.tokens = loaded.tokens;
    this.providerOfHash = new Map([...loaded.tokens].map(([providerId, hash]) => [hash, providerId]));
    this.registeredAtMs = loaded.registeredAtMs;
  }

  private consumed(events: readonly LoggedEvent[]): Promise<void> {
    const relevant = events.filter((event) => {
      const type = event.envelope.type;
      if (CONSUMED_JOB_EVENT_TYPES.includes(type)) return true;
      if (!IGNORED_JOB_EVENT_TYPES.includes(type) && !this.warnedTypes.has(type)) {
        this.warnedTypes.add(type);
        this.settings.log.warn(
          `consumer group ${this.settings.consumerGroup} has no handler for ${type}; skipping it (first seen at ${event.topic}/${event.partition}@${event.offset})`,
        );
      }
      return false;
    });
    if (relevant.length === 0) return Promise.resolve();
    if (!this.isLeader) return Promise.reject(new NotLeader(this.leader));
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'events', events: relevant, resolve, reject });
      this.signal();
    });
  }

  private async lead(): Promise<void> {
    while (this.role === 'leader') {
      if (this.queue.length === 0) {
        await this.idle(this.settings.leaseTtlMs);
        continue;
      }
      const max = this.settings.maxCycleInputs ?? 5_000;
      const inputs = this.queue.splice(0, max);
      await this.cycle(inputs);
    }
  }

  private async cycle(inputs: SchedulerInput[]): Promise<void> {
    const client = this.client!;
    const state = this.state!;
    const started = Date.now();
    await client.query('BEGIN');
    try {
      if (!(await this.lease.fence(client, this.epoch!))) throw new Deposed(`the scheduler lease (epoch ${this.epoch}) was taken over`);
      const consumed = inputs.flatMap((input) => (input.kind === 'events' ? input.events : []));
      const fresh = await claimInbox(client, this.settings.consumerGroup, consumed);
      const finishedReports = inputs.flatMap((input) =>
        input.kind === 'report' && !state.registry.jobs.has(input.report.jobId) ? [input.report.jobId] : [],
      );
      const pastAttempts = await loadPastAttempts(client, [...new Set(finishedReports)]);
      // Jobs arriving with dependencies the state does not hold: how those ended, from the tables.
      const ended = state.registry.outcomes;
      const unknown = consumed
        .filter((e) => fresh.has(e.envelope.id))
        .flatMap(dependenciesOf)
        .filter((id) => !state.registry.jobs.has(id) && !ended.has(id));
      for (const [jobId, outcome] of await loadOutcomes(client, unknown)) ended.set(jobId, outcome);
      const cycle = new Cycle({
        state,
        attempts: this.attempts,
        pastAttempts,
        freshEventIds: fresh,
        newProviderId: () => `prv_${randomUUID()}`,
        warn: (message) => this.settings.log.warn(message),
        stopsTold: this.stopsTold,
      });
      const effects = cycle.run(inputs);
      const tokens = new Map([...this.tokens, ...effects.tokens]);
      const registeredAtMs = new Map([...this.registeredAtMs, ...effects.registeredAtMs]);
      const stream = await writeCycle(client, effects, { registry: state.registry, tokens, registeredAtMs, topics: this.settings.topics });
      await client.query('COMMIT');
      // The outcomes are in the tables now; memory keeps none past the cycle (see ProviderRegistry.outcomes).
      state.registry.outcomes.clear();
      // Committed: bring the side tables in line, then answer.
      for (const [providerId, hash] of effects.tokens) {
        const old = this.tokens.get(providerId);
        if (old !== undefined) this.providerOfHash.delete(old);
        this.providerOfHash.set(hash, providerId);
      }
      this.tokens = tokens;
      this.registeredAtMs = registeredAtMs;
      // A gang's attempt is reported by its lead: the book holds only the lead's assignment.
      for (const { item } of stream) {
        if (item.kind === 'ASSIGN' && (item.gang === undefined || item.gang.leadProviderId === item.providerId))
          this.attempts.assign(item.jobId, item.attempt, item.providerId);
      }
      for (const report of effects.attemptReports) this.attempts.report(report.jobId, report.attempt, report.kind);
      for (const jobId of effects.finished.keys()) this.attempts.forget(jobId);
      for (const decision of effects.queued) this.queueReasons.set(decision.jobId, primaryReason(decision.rejections));
      // A provider's stops are remembered while its heartbeats still list the run.
      for (const key of [...this.stopsTold])
        if (effects.stopsHeardFrom.has(key.slice(0, key.indexOf('\n'))) && !effects.stopsTold.has(key)) this.stopsTold.delete(key);
      for (const key of effects.stopsTold) this.stopsTold.add(key);
      for (const jobId of effects.touched.jobs) {
        const job = state.registry.jobs.get(jobId);
        if (job === undefined || job.state !== 'QUEUED') this.queueReasons.delete(jobId);
      }
      for (const settle of effects.settle) settle();
      const providersLost = effects.providerEvents.filter((e) => e.type === 'switchyard.events.v1.ProviderLost').length;
      this.settings.onCommitted?.({
        stream,
        providersLost,
        inputs: inputs.length,
        placed: stream.filter((s) => s.item.kind === 'ASSIGN').length,
        durationMs: Date.now() - started,
      });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const failure =
        error instanceof Deposed
          ? error
          : new SchedulerUnavailable(`placement could not commit its cycle: ${error instanceof Error ? error.message : String(error)}`);
      for (const input of inputs) if (input.kind !== 'tick') input.reject(failure);
      if (error instanceof Deposed) {
        this.settings.log.warn(error.message);
        await this.stepDown();
        return;
      }
      // The in-memory state may hold half a cycle: start again from the last commit.
      this.settings.log.error(failure.message);
      await this.loadState().catch(async (reload: unknown) => {
        this.settings.log.error(`reloading the scheduler state failed: ${String(reload)}; stepping down`);
        await this.stepDown();
      });
    }
  }

  private async stepDown(): Promise<void> {
    if (this.role === 'leader') this.role = 'standby';
    this.state = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    this.failAll(new NotLeader(undefined));
    await consumer?.stop().catch(() => undefined);
    this.client?.release(true);
    this.client = undefined;
    this.epoch = undefined;
  }

  private failAll(error: Error): void {
    const queued = this.queue;
    this.queue = [];
    for (const input of queued) if (input.kind !== 'tick') input.reject(error);
  }
}

function primaryReason(rejections: readonly events.RejectionCount[]): events.RejectionReason {
  let best: events.RejectionCount | undefined;
  for (const r of rejections) if (best === undefined || r.count > best.count) best = r;
  return best?.reason ?? events.RejectionReason.REJECTION_REASON_UNSPECIFIED;
}

/** The jobs a consumed JobSubmitted depends on (none for any other event). */
function dependenciesOf(event: LoggedEvent): string[] {
  if (event.envelope.type !== JOB_SUBMITTED) return [];
  const spec = (event.envelope.data as { jobSubmitted?: { spec?: { dependsOn?: { jobId?: unknown }[] } } } | null)?.jobSubmitted?.spec;
  return (spec?.dependsOn ?? []).flatMap((d) => (typeof d.jobId === 'string' ? [d.jobId] : []));
}
const JOB_SUBMITTED = 'switchyard.events.v1.JobSubmitted';
