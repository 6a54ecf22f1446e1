// The queue: jobs that announced JobQueued wait here until capacity frees or arrives. A capacity
// signal (completion, failure, cancel, heartbeat, registration, recovery) or the periodic retry
// (which also covers other instances' frees) runs one pass: expire jobs whose deadline passed,
// then place the rest in the domain's queue order (tier, then age), each in its own transaction
// with the job row locked (SKIP LOCKED: a job another instance is placing is left to it). A
// planned job that no longer fits waits for the next signal or periodic pass.
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { api } from '@switchyard/contracts';
import { DataSource } from 'typeorm';
import { CapacitySignal } from '../capacity-signal.js';
import type { PlacementConfig } from '../config.js';
import { expireJobs, isWaiting, nextQueuedJobs, toTimestamp, type PlacementPolicy, type QueuedJob } from '../domain/index.js';
import { jobEnvelope } from '../event-envelopes.js';
import { PlacementEvents } from '../placement-events.js';
import { activeJobOf, isTerminal, jobsInStates, lockJob, HOLDING_STATES } from '../persistence/job-rows.js';
import { finishJob } from '../placing/job-transitions.js';
import { placeWaitingJob } from '../placing/place-waiting-job.js';
import { loadRegistry } from '../persistence/registry-snapshot.js';
import { PLACEMENT_CONFIG, PLACEMENT_POLICY } from '../tokens.js';

@Injectable()
export class QueueDrainer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('QueueDrainer');
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PlacementEvents,
    private readonly capacity: CapacitySignal,
    @Inject(PLACEMENT_POLICY) private readonly policy: PlacementPolicy,
    @Inject(PLACEMENT_CONFIG) private readonly config: PlacementConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.capacity.subscribe(() => this.trigger());
    this.timer = setInterval(() => this.trigger(), this.config.queueRetryPeriodMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a pass now, or once more after the running one (signals during a pass are not lost). */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.drain(new Date()).catch((error: unknown) => this.logger.error(`queue pass failed: ${String(error)}`));
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
  }

  /** One pass at `now`: expiries first, then placements in queue order. Returns the jobs placed. */
  async drain(now: Date): Promise<string[]> {
    const at = toTimestamp(now.getTime());
    const candidates = await jobsInStates(this.dataSource.manager, ['QUEUED', ...HOLDING_STATES]);
    const expiring = expireJobs(candidates.map(activeJobOf), at);
    for (const expired of expiring) await this.expire(expired.jobId, now);
    const expiredIds = new Set(expiring.map((e) => e.jobId));
    // The pass is planned on one snapshot with the domain's nextQueuedJobs, in queue order: a job
    // is only tried if, on that snapshot, every job ahead of it that could use the same GPUs has
    // been served. Trying jobs one by one on ever fresher state would let a lower-priority job
    // take GPUs that freed between two tries of the same pass. Each planned job is then decided
    // again under its row lock (fresh state, reservation race handled by placeWaitingJob).
    const registry = await loadRegistry(this.dataSource.manager);
    const waiting = Object.values(registry.jobs).filter(
      (job): job is QueuedJob => isWaiting(job) && job.state === 'QUEUED' && !expiredIds.has(job.jobId),
    );
    const queue = nextQueuedJobs(waiting, registry, this.policy, at).map((p) => registry.jobs[p.jobId] as QueuedJob);
    const placed: string[] = [];
    for (const waiting of queue) {
      if (this.stopped) break;
      const outcome = await this.dataSource.transaction(async (manager) => {
        const job = await lockJob(manager, waiting.jobId, { skipLocked: true });
        if (job === undefined || job.state !== 'QUEUED') return undefined;
        return placeWaitingJob({ manager, events: this.events, policy: this.policy, job, at, announceQueued: false });
      });
      if (outcome?.type === 'placed') {
        placed.push(waiting.jobId);
        const races = outcome.lostRaces > 0 ? ` after ${outcome.lostRaces} lost capacity race(s)` : '';
        this.logger.log(`placed ${waiting.jobId}#${waiting.attempt} on ${outcome.providerId} from the queue${races}`);
      }
    }
    return placed;
  }

  private async expire(jobId: string, now: Date): Promise<void> {
    const at = toTimestamp(now.getTime());
    const freed = await this.dataSource.transaction(async (manager) => {
      const job = await lockJob(manager, jobId, { skipLocked: true });
      if (job === undefined || isTerminal(job.state)) return false;
      const [expired] = expireJobs([activeJobOf(job)], at);
      if (expired === undefined) return false;
      const holding = job.state === 'PLACED' || job.state === 'RUNNING';
      await finishJob(manager, job, 'EXPIRED', api.StopReason.STOP_REASON_EXPIRED);
      await this.events.jobs(manager, jobEnvelope({ jobExpired: expired }, now));
      return holding;
    });
    if (freed) this.again = true;
  }
}
