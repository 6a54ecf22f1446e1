// One scheduler cycle, in memory: applies a batch of inputs to the state in arrival order and
// collects everything that must commit together: the events for the outbox, the assignment-stream
// items, the report and usage rows, the rows that changed, and the answer of each command. No
// I/O here: the engine (engine.ts) runs it inside one transaction and commits what it collected.
import { api, envelopeOf, events, readEvent, type Causation, type FamilyEvent, type events as eventTypes } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import {
  dependencyFailed,
  dependencyState,
  holdersOf,
  decideCancel,
  decideStranded,
  isWaiting,
  overdueStarts,
  reconcileRuns,
  requeueUnheld,
  decideHeartbeat,
  decideRegistration,
  decideReport,
  detectLostProviders,
  expireJobs,
  isPlacedTier,
  nothingTouched,
  requeueAfterLoss,
  schedule,
  toEpochMillis,
  toTimestamp,
  type ActiveJob,
  type JobFamilyEvent,
  type PlacementState,
  type ProviderFamilyEvent,
  type RegistryEvent,
  type Touched,
} from '../domain/index.js';
import { InvalidRequest, NotFound, StateConflict } from '../rejections.js';
import type { ConsumedBatch, HeartbeatCommand, RegistrationCommand, ReportCommand, SchedulerInput, Tick } from './inputs.js';

export type TerminalState = 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';

export type StreamItem =
  | {
      readonly kind: 'ASSIGN';
      readonly providerId: string;
      readonly jobId: string;
      readonly attempt: number;
      readonly tier: api.Tier;
      readonly spec: api.JobSpec;
      /** Set when the job is a gang split over providers: this provider's part in it. */
      readonly gang?: api.GangAssignment;
    }
  | {
      readonly kind: 'STOP';
      readonly providerId: string;
      readonly jobId: string;
      readonly attempt: number;
      readonly reason: api.StopReason;
    };

/** Which providers each live job's attempts went to, and which reports they already had. */
export interface AttemptBook {
  assigned(jobId: string, attempt: number): string | undefined;
  reported(jobId: string, attempt: number, kind: string): boolean;
}

/** What a report about a job the state no longer holds (finished) needs from the tables. */
export interface PastAttempt {
  readonly providerId: string;
  readonly reportedKinds: readonly string[];
}

export interface CycleEffects {
  readonly jobEvents: EventEnvelope[];
  readonly providerEvents: EventEnvelope[];
  /** UsageReported candidates: published only if their report id is new (usage_reports). */
  readonly usage: { reportId: string; jobId: string; attempt: number; providerId: string; envelope: EventEnvelope }[];
  readonly stream: StreamItem[];
  readonly attemptReports: { jobId: string; attempt: number; kind: string; providerId: string; reportedAtMs: number }[];
  readonly touched: Touched;
  /** Jobs first seen in this cycle, as submitted (the row is inserted with its spec). */
  readonly newJobs: Map<string, ActiveJob>;
  /** Jobs that ended in this cycle: their last record and how they ended. */
  readonly finished: Map<string, { state: TerminalState; last: ActiveJob }>;
  /** Provider id → new token hash (registrations). */
  readonly tokens: Map<string, string>;
  readonly registeredAtMs: Map<string, number>;
  /** Answers, sent after the commit. */
  readonly settle: (() => void)[];
  /** The JobQueued decisions of the cycle. */
  readonly queued: eventTypes.JobQueued[];
  /** Stop instructions for runs not current (`provider\njob\nattempt`), told now or before and still held. */
  readonly stopsTold: Set<string>;
  /** Providers whose heartbeat listed their runs in this cycle (their told stops are refreshed). */
  readonly stopsHeardFrom: Set<string>;
}

const TERMINAL_OF: Partial<Record<RegistryEvent['type'], TerminalState>> = {
  JobCompleted: 'COMPLETED',
  JobFailed: 'FAILED',
  JobCancelled: 'CANCELLED',
  JobExpired: 'EXPIRED',
};

export interface CycleContext {
  readonly state: PlacementState;
  readonly attempts: AttemptBook;
  /** Finished jobs' attempts, looked up by the engine before the cycle for reports that need them. */
  readonly pastAttempts: ReadonlyMap<string, ReadonlyMap<number, PastAttempt>>;
  /** Ids of the consumed events not applied before (the inbox said so). */
  readonly freshEventIds: ReadonlySet<string>;
  readonly newProviderId: () => string;
  readonly warn: (message: string) => void;
  /** Stops already told for runs not current (see CycleEffects.stopsTold). */
  readonly stopsTold: ReadonlySet<string>;
}

export class Cycle {
  readonly effects: CycleEffects = {
    jobEvents: [],
    providerEvents: [],
    usage: [],
    stream: [],
    attemptReports: [],
    touched: nothingTouched(),
    newJobs: new Map(),
    finished: new Map(),
    tokens: new Map(),
    registeredAtMs: new Map(),
    settle: [],
    queued: [],
    stopsTold: new Set(),
    stopsHeardFrom: new Set(),
  };
  private readonly newlyWaiting = new Map<string, api.Timestamp>();
  private retryQueue = false;
  private latestMs = 0;

  constructor(private readonly context: CycleContext) {}

  run(inputs: readonly SchedulerInput[]): CycleEffects {
    for (const input of inputs) {
      if (input.kind === 'register' || input.kind === 'heartbeat') this.latestMs = Math.max(this.latestMs, input.input.receivedAtMs);
      if (input.kind === 'report') this.latestMs = Math.max(this.latestMs, input.report.receivedAtMs);
      switch (input.kind) {
        case 'events':
          this.consumed(input);
          break;
        case 'register':
          this.register(input);
          break;
        case 'heartbeat':
          this.heartbeat(input);
          break;
        case 'report':
          this.report(input);
          break;
        case 'tick':
          this.tick(input);
          break;
        default: {
          const unexpected: never = input;
          throw new Error(`unknown scheduler input ${JSON.stringify(unexpected)}`);
        }
      }
    }
    this.schedule();
    return this.effects;
  }

  // ---- the jobs topic -------------------------------------------------------------------------

  private consumed(batch: ConsumedBatch): void {
    for (const event of batch.events) {
      if (!this.context.freshEventIds.has(event.envelope.id)) continue;
      this.consumedEvent(event);
    }
    this.effects.settle.push(() => batch.resolve());
  }

  private consumedEvent(event: LoggedEvent): void {
    const cause = causedBy(event);
    const envelope = readEvent('job', event.envelope) ?? {};
    const eventMs = new Date(event.envelope.time).getTime();
    this.latestMs = Math.max(this.latestMs, eventMs);
    if (envelope.jobSubmitted) {
      const submitted = envelope.jobSubmitted;
      if (submitted.spec === undefined)
        return this.context.warn(`JobSubmitted ${event.envelope.id} for ${submitted.jobId} has no spec; not placeable`);
      if (this.context.state.registry.jobs.has(submitted.jobId)) return;
      this.apply({ type: 'JobSubmitted', data: { ...submitted, submittedAt: submitted.submittedAt ?? toTimestamp(eventMs) } });
      const job = this.context.state.registry.jobs.get(submitted.jobId);
      if (job !== undefined) this.effects.newJobs.set(job.jobId, job);
      // A job it depends on ended without completing before it arrived: it cannot run.
      const failed = job === undefined ? undefined : dependencyState(job.spec, this.context.state.registry.outcomes).failed;
      if (job !== undefined && failed !== undefined) {
        const at = toTimestamp(eventMs);
        this.emit(dependencyFailed(job, failed, this.context.state.registry.outcomes.get(failed)!.state, at), at, cause);
      }
    } else if (envelope.jobClassified) {
      const classified = envelope.jobClassified;
      const job = this.context.state.registry.jobs.get(classified.jobId);
      if (job === undefined || job.state !== 'SUBMITTED') return; // classified before, cancelled, or never seen
      if (!isPlacedTier(classified.tier))
        return this.context.warn(`job ${job.jobId} classified as ${classified.tier}, which placement does not place`);
      this.apply({ type: 'JobClassified', data: classified });
      this.newlyWaiting.set(job.jobId, classified.classifiedAt ?? toTimestamp(eventMs));
      this.causes.set(job.jobId, cause);
    } else if (envelope.jobCancelRequested) {
      const at = envelope.jobCancelRequested.requestedAt ?? toTimestamp(eventMs);
      const cancelled = decideCancel(this.context.state.registry, envelope.jobCancelRequested, at);
      if (cancelled === undefined) return;
      this.stopIfHolding(cancelled.jobId, api.StopReason.STOP_REASON_CANCELLED);
      this.emit({ type: 'JobCancelled', data: cancelled }, at, cause);
    }
  }

  /** Why each newly waiting job is being decided (its causing event), for the decision's envelope. */
  private readonly causes = new Map<string, Causation>();

  // ---- provider commands ------------------------------------------------------------------------

  private register(command: RegistrationCommand): void {
    const { state } = this.context;
    const decision = decideRegistration(state.registry, { ...command.input, newProviderId: this.context.newProviderId() });
    if (decision.kind === 'capacity-in-use') {
      const error = new StateConflict(
        `provider ${decision.providerId} holds ${decision.held} ${decision.gpuClass} GPUs for placed jobs; the new inventory offers ${decision.offered}`,
        'PROVIDER_CAPACITY_IN_USE',
        decision.providerId,
      );
      this.effects.settle.push(() => command.reject(error));
      return;
    }
    const cause = command.traceparent ? { traceparent: command.traceparent } : {};
    if (decision.event !== undefined) this.emit({ type: 'ProviderRegistered', data: decision.event }, decision.event.registeredAt!, cause);
    // A registration restarts the heartbeat sequence (a restarted provider counts from 1 again).
    state.heard(decision.providerId, command.input.receivedAtMs, '0', this.effects.touched);
    if (decision.isNew) this.effects.registeredAtMs.set(decision.providerId, command.input.receivedAtMs);
    this.effects.tokens.set(decision.providerId, command.tokenHash);
    this.effects.settle.push(() => command.resolve({ providerId: decision.providerId, providerToken: command.providerToken }));
  }

  private heartbeat(command: HeartbeatCommand): void {
    const { state } = this.context;
    const decision = decideHeartbeat(state.registry, command.input);
    switch (decision.kind) {
      case 'stale':
        this.effects.settle.push(() => command.resolve('stale'));
        return;
      case 'invalid': {
        const error = new InvalidRequest([{ field: decision.field, description: decision.description }]);
        this.effects.settle.push(() => command.reject(error));
        return;
      }
      case 'recorded': {
        const at = toTimestamp(command.input.receivedAtMs);
        const cause = command.traceparent ? { traceparent: command.traceparent } : {};
        for (const event of decision.events) this.emit(event, at, cause);
        state.heard(command.input.providerId, command.input.receivedAtMs, command.input.sequence, this.effects.touched);
        if (command.runs !== undefined) this.reconcile(command.input.providerId, command.runs, command.input.receivedAtMs, cause);
        this.effects.settle.push(() => command.resolve('recorded'));
        return;
      }
    }
  }

  private report(command: ReportCommand): void {
    const { state, attempts, pastAttempts } = this.context;
    const r = command.report;
    const past = pastAttempts.get(r.jobId)?.get(r.attempt);
    const live = state.registry.jobs.has(r.jobId);
    const assignedTo = live ? attempts.assigned(r.jobId, r.attempt) : past?.providerId;
    const alreadyReported =
      this.reportedInCycle.has(`${r.jobId}#${r.attempt}#${r.kind}`) ||
      (live ? attempts.reported(r.jobId, r.attempt, r.kind) : (past?.reportedKinds.includes(r.kind) ?? false));
    const decision = decideReport(
      state.registry,
      { ...r, wasAssigned: assignedTo === r.providerId, alreadyReported, ...(r.usage?.reportId ? { reportId: r.usage.reportId } : {}) },
      state.policy,
    );
    switch (decision.kind) {
      case 'not-found': {
        const error = new NotFound(`job ${r.jobId} attempt ${r.attempt} was never assigned to this provider`, 'switchyard.v1.Job', r.jobId);
        this.effects.settle.push(() => command.reject(error));
        return;
      }
      case 'duplicate':
        this.effects.settle.push(() => command.resolve('duplicate'));
        return;
      case 'not-current': {
        const error = new StateConflict(
          `job ${r.jobId} attempt ${r.attempt} is no longer current on this provider (job is ${decision.jobState}, attempt ${decision.jobAttempt})`,
          'JOB_ATTEMPT_CURRENT',
          `${r.jobId}#${r.attempt}`,
        );
        this.effects.settle.push(() => command.reject(error));
        return;
      }
      case 'applied': {
        const at = toTimestamp(r.receivedAtMs);
        const cause = command.traceparent ? { traceparent: command.traceparent } : {};
        this.reportedInCycle.add(`${r.jobId}#${r.attempt}#${r.kind}`);
        this.effects.attemptReports.push({
          jobId: r.jobId,
          attempt: r.attempt,
          kind: r.kind,
          providerId: r.providerId,
          reportedAtMs: r.receivedAtMs,
        });
        for (const event of decision.events) {
          this.emit(event, at, cause);
          if (event.type === 'JobRequeued') this.newlyWaiting.set(event.data.jobId, at);
        }
        if (r.kind !== 'STARTED' && r.usage != null && r.usage.reportId !== '') {
          // How the run ended travels with its usage: metering charges the tenant by it.
          const ended = decision.events.find((e) => e.type === 'JobRequeued' || e.type === 'JobFailed');
          const usage: eventTypes.UsageReported = {
            reportId: r.usage.reportId,
            jobId: r.jobId,
            attempt: r.attempt,
            providerId: r.providerId,
            amounts: r.usage.amounts ?? { gpuMilliseconds: '0', tokens: '0', bytes: '0', fetchedBytes: '0' },
            reportedAt: at,
            failed: r.kind === 'FAILED',
            fault:
              ended !== undefined && (ended.type === 'JobRequeued' || ended.type === 'JobFailed')
                ? ended.data.fault
                : events.Fault.FAULT_UNSPECIFIED,
          };
          this.effects.usage.push({
            reportId: usage.reportId,
            jobId: r.jobId,
            attempt: r.attempt,
            providerId: r.providerId,
            envelope: placementEnvelope('usage', { usageReported: usage }, at, cause),
          });
        }
        this.effects.settle.push(() => command.resolve('applied'));
        return;
      }
    }
  }

  private readonly reportedInCycle = new Set<string>();

  /** The runs a provider says it holds against what it was given (reconcileRuns). */
  private reconcile(providerId: string, runs: readonly api.HeldRun[], atMs: number, cause: Causation): void {
    const { state } = this.context;
    const { notHeld, notCurrent } = reconcileRuns(state.registry, providerId, runs, atMs, state.policy);
    const at = toTimestamp(atMs);
    for (const job of notHeld) {
      const outcome = requeueUnheld(job, 'not-held', at, state.policy);
      if (outcome === undefined) continue;
      this.emit(outcome, at, cause);
      if (outcome.type === 'JobRequeued') this.newlyWaiting.set(outcome.data.jobId, at);
    }
    for (const run of notCurrent) {
      // Told once per run (the provider acknowledges by dropping it from its next heartbeat).
      const key = `${providerId}\n${run.jobId}\n${run.attempt}`;
      this.effects.stopsTold.add(key);
      if (this.context.stopsTold.has(key)) continue;
      this.effects.stream.push({
        kind: 'STOP',
        providerId,
        jobId: run.jobId,
        attempt: run.attempt,
        reason: api.StopReason.STOP_REASON_NOT_CURRENT,
      });
    }
    this.effects.stopsHeardFrom.add(providerId);
  }

  // ---- the timer ---------------------------------------------------------------------------------

  private tick(tick: Tick): void {
    const { state } = this.context;
    const at = toTimestamp(tick.atMs);
    this.latestMs = Math.max(this.latestMs, tick.atMs);
    if (tick.retryQueue) this.retryQueue = true;
    for (const event of detectLostProviders(state.registry, at, state.policy)) {
      this.emit(event, at);
      if (event.type !== 'ProviderLost') continue;
      for (const outcome of requeueAfterLoss(event.data, state.registry, state.policy)) {
        this.stopIfHolding(outcome.data.jobId, api.StopReason.STOP_REASON_REASSIGNED);
        this.emit(outcome, at);
        if (outcome.type === 'JobRequeued') this.newlyWaiting.set(outcome.data.jobId, at);
      }
    }
    const withDeadlines = [...state.registry.jobs.values()].filter(
      (job) => job.spec.deadline !== undefined && toEpochMillis(job.spec.deadline) <= tick.atMs,
    );
    for (const expired of expireJobs(withDeadlines, at)) {
      this.stopIfHolding(expired.jobId, api.StopReason.STOP_REASON_EXPIRED);
      this.emit({ type: 'JobExpired', data: expired }, at);
    }
    for (const job of overdueStarts(state.registry.jobs.values(), tick.atMs, state.policy)) {
      const outcome = requeueUnheld(job, 'start-timeout', at, state.policy);
      if (outcome === undefined) continue;
      this.stopIfHolding(job.jobId, api.StopReason.STOP_REASON_START_TIMEOUT);
      this.emit(outcome, at);
      if (outcome.type === 'JobRequeued') this.newlyWaiting.set(outcome.data.jobId, at);
    }
    if (tick.retryQueue) {
      for (const job of [...state.registry.jobs.values()]) {
        if (!isWaiting(job)) continue;
        const stranded = decideStranded(job, state.registry, state.index, state.policy, tick.atMs);
        if (stranded === undefined) continue;
        this.emit(stranded, at);
        if (stranded.type === 'JobExclusionRelaxed') this.effects.touched.grownClasses.add(job.spec.gpuClass);
      }
    }
  }

  // ---- placing ------------------------------------------------------------------------------------

  private schedule(): void {
    const { state } = this.context;
    // The pass's time is the latest input's (event, command receive time or tick): never a clock read here.
    const at = toTimestamp(this.latestMs);
    // Jobs whose dependencies all completed in this cycle are decided like newly classified ones.
    for (const jobId of this.effects.touched.released) if (!this.newlyWaiting.has(jobId)) this.newlyWaiting.set(jobId, at);
    const decisions = schedule(
      state,
      { newlyWaiting: this.newlyWaiting, grownClasses: this.effects.touched.grownClasses, retryAll: this.retryQueue, at },
      this.effects.touched,
    );
    for (const decision of decisions) {
      const jobId = decision.data.jobId;
      const cause = this.causes.get(jobId) ?? { correlationId: jobId };
      const at = decision.type === 'JobPlaced' ? decision.data.decision!.decidedAt! : decision.data.queuedAt!;
      this.effects.jobEvents.push(
        placementEnvelope('job', decision.type === 'JobPlaced' ? { jobPlaced: decision.data } : { jobQueued: decision.data }, at, cause),
      );
      this.effects.touched.jobs.add(jobId);
      if (decision.type === 'JobQueued') this.effects.queued.push(decision.data);
      if (decision.type === 'JobPlaced') {
        const job = state.registry.jobs.get(jobId)!;
        const { providerId, attempt, gangMembers } = decision.data;
        if (gangMembers.length === 0) {
          this.effects.stream.push({ kind: 'ASSIGN', providerId, jobId, attempt, tier: job.tier!, spec: job.spec });
          continue;
        }
        // A gang split over providers: every member gets the assignment, with the whole gang and its own part.
        for (const member of gangMembers) {
          const gang = { leadProviderId: providerId, members: gangMembers.map((m) => ({ ...m })), gpuCount: member.gpuCount };
          this.effects.stream.push({
            kind: 'ASSIGN',
            providerId: member.providerId,
            jobId,
            attempt,
            tier: job.tier!,
            spec: job.spec,
            gang,
          });
        }
      }
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------

  /** Applies an event this cycle decided and puts it in the outbox. */
  private emit(event: RegistryEvent, at: api.Timestamp, cause: Causation = {}): void {
    this.apply(event);
    if (isProviderEvent(event)) this.effects.providerEvents.push(placementEnvelope('provider', oneOf(event) as never, at, cause));
    else this.effects.jobEvents.push(placementEnvelope('job', oneOf(event) as never, at, cause));
  }

  private apply(event: RegistryEvent): void {
    const terminal = TERMINAL_OF[event.type];
    const before = 'jobId' in event.data ? this.context.state.registry.jobs.get(event.data.jobId) : undefined;
    const last = terminal !== undefined ? before : undefined;
    this.context.state.apply(event, this.effects.touched);
    if (before !== undefined && before.gangMembers.length > 0) this.stopGangIfEnded(before, event);
    if (terminal === undefined || last === undefined) return;
    this.effects.finished.set(last.jobId, { state: terminal, last });
    // The jobs that depend on one that did not complete fail with it (and theirs with them).
    if (terminal === 'COMPLETED') return;
    const { registry } = this.context.state;
    const at = toTimestamp(this.latestMs);
    for (const dependentId of [...(registry.dependents.get(last.jobId) ?? [])]) {
      const dependent = registry.jobs.get(dependentId);
      if (dependent !== undefined) this.emit(dependencyFailed(dependent, last.jobId, terminal, at), at, { correlationId: dependentId });
    }
  }

  /** Tells every provider holding the job's current attempt (its gang's members, or its one provider) to stop it. */
  private stopIfHolding(jobId: string, reason: api.StopReason): void {
    const job = this.context.state.registry.jobs.get(jobId);
    if (job === undefined) return;
    for (const { providerId } of holdersOf(job)) this.stop(providerId, jobId, job.attempt, reason);
  }

  /**
   * A gang split over providers whose attempt `event` ended (completed, failed, requeued, cancelled,
   * expired): the members not told yet are told to stop, except the one whose own report ended it.
   */
  private stopGangIfEnded(before: ActiveJob, event: RegistryEvent): void {
    const after = this.context.state.registry.jobs.get(before.jobId);
    if (after !== undefined && after.attempt === before.attempt && holdersOf(after).length > 0) return;
    const reporter =
      event.type === 'JobCompleted' ||
      event.type === 'JobFailed' ||
      (event.type === 'JobRequeued' && event.data.reason === events.RequeueReason.REQUEUE_REASON_PROVIDER_FAILED)
        ? 'providerId' in event.data
          ? event.data.providerId
          : event.data.previousProviderId
        : undefined;
    for (const { providerId } of holdersOf(before)) {
      if (providerId !== reporter) this.stop(providerId, before.jobId, before.attempt, api.StopReason.STOP_REASON_GANG_ENDED);
    }
  }

  private readonly stopped = new Set<string>();

  /** One stop per provider and attempt in a cycle, whichever reason came first. */
  private stop(providerId: string, jobId: string, attempt: number, reason: api.StopReason): void {
    const key = `${providerId}\n${jobId}\n${attempt}`;
    if (this.stopped.has(key)) return;
    this.stopped.add(key);
    this.effects.stream.push({ kind: 'STOP', providerId, jobId, attempt, reason });
  }
}

// A record over the union's types: a provider event added to the union must be listed here.
const PROVIDER_EVENT_TYPES: Record<ProviderFamilyEvent['type'], true> = {
  ProviderRegistered: true,
  ProviderHeartbeatMissed: true,
  ProviderLost: true,
  ProviderRecovered: true,
  ProviderCapacityChanged: true,
  ProviderInputsReported: true,
};
const PROVIDER_EVENTS: ReadonlySet<string> = new Set(Object.keys(PROVIDER_EVENT_TYPES));

function isProviderEvent(event: RegistryEvent): event is ProviderFamilyEvent {
  return PROVIDER_EVENTS.has(event.type);
}

/** `{ type: 'JobPlaced', data }` → `{ jobPlaced: data }`: the member of the topic's envelope message. */
function oneOf(event: RegistryEvent | JobFamilyEvent): Record<string, unknown> {
  return { [event.type.charAt(0).toLowerCase() + event.type.slice(1)]: event.data };
}

/**
 * Placement's events: ids derive from the causing event (a consumed job event's ce_id) and the
 * decided event, so the same decision made again from that input is the same event; one cause
 * decides events for several jobs and several events for one job, which differ in type, subject
 * or payload. Provider commands carry no id, so their events get random ids.
 */
function placementEnvelope<F extends 'job' | 'provider' | 'usage'>(
  family: F,
  event: FamilyEvent<F>,
  at: api.Timestamp,
  cause: Causation,
): EventEnvelope {
  return envelopeOf(family, event, { source: PLACEMENT_SOURCE, at, cause });
}

const PLACEMENT_SOURCE = '/switchyard/placement';

function causedBy(event: LoggedEvent): Causation {
  const { id, correlationId, traceparent } = event.envelope;
  return { causationId: id, ...(correlationId ? { correlationId } : {}), ...(traceparent ? { traceparent } : {}) };
}
