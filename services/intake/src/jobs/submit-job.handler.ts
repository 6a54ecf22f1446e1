// SubmitJob. Each call is decided at the edge as far as it can be without the tables (validation,
// quote), then joins the next batch: submissions arriving while a batch commits wait for the
// next, so under load one transaction carries many of them (one statement per kind of row) and
// the cost per submission falls as the rate rises. In the batch, in arrival order: idempotency
// against the stored keys and the batch's earlier submissions, then the spending cap against the
// tenant's running commitment (locked for the batch), then the job, its history and JobSubmitted
// (outbox) for every one accepted. Nothing is answered before the batch commits.
//
// Back-pressure: when more submissions wait than the service can commit in about a second,
// new ones are refused at once with RESOURCE_EXHAUSTED and a RetryInfo saying when to come back,
// instead of queueing without bound.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { api } from '@switchyard/contracts';
import { highestWorstCasePrice, MeteringError, quoteJob, type RateCard } from '@switchyard/metering/pricing';
import { Outbox } from '@switchyard/event-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { FieldViolation } from '../domain/field-violation.js';
import { jobFromSubmission } from '../domain/job-lifecycle.js';
import { specFingerprint } from '../domain/spec-fingerprint.js';
import { decideSubmission, toTimestamp, type PriorSubmission, type Tenant } from '../domain/submit-job.js';
import { intakeJobEnvelope } from '../intake-events.js';
import { unknownDependencyViolations } from '../domain/validate-job-spec.js';
import {
  addCommitments,
  insertJobs,
  jobsById,
  lockCommitments,
  priorKey,
  priorsOf,
  tenantsOfJobs,
  type NewJob,
} from '../persistence/submission-store.js';
import { TenantDirectory } from '../tenancy/tenant-directory.js';
import { JOBS_TOPIC, RATE_CARDS, SUBMISSION_LIMITS } from './tokens.js';

export type SubmitJobResult =
  | { readonly kind: 'submitted'; readonly job: api.Job; readonly deduplicated: boolean }
  | { readonly kind: 'invalid'; readonly violations: FieldViolation[] }
  | { readonly kind: 'conflict'; readonly jobId: string }
  /** The worst-case quote does not fit in what is left of the tenant's cap for the epoch. */
  | { readonly kind: 'over-cap'; readonly capBaseUnits: bigint; readonly committedBaseUnits: bigint; readonly quoteBaseUnits: bigint }
  /** Too many submissions wait already: try again after `retryAfterMs`. */
  | { readonly kind: 'overloaded'; readonly waiting: number; readonly retryAfterMs: number };

export interface SubmissionLimits {
  /** Submissions in one transaction at most. */
  readonly batchSize: number;
  /** Submissions waiting (queued and in the running batch) before new ones are refused. */
  readonly maxWaiting: number;
}

interface Pending {
  readonly tenant: Tenant;
  readonly spec: api.JobSpec | undefined;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly jobId: string;
  readonly submittedAt: Date;
  readonly quote: api.Quote | undefined;
  resolve(result: SubmitJobResult): void;
  reject(error: unknown): void;
}

@Injectable()
export class SubmitJobHandler implements OnApplicationShutdown {
  private readonly outbox = new Outbox();
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private waiting = 0;
  /** Submissions committed per second, smoothed: how fast the queue drains. */
  private drainRate = 500;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenants: TenantDirectory,
    @Inject(JOBS_TOPIC) private readonly jobsTopic: string,
    @Inject(RATE_CARDS) private readonly rateCards: readonly RateCard[],
    @Inject(SUBMISSION_LIMITS) private readonly limits: SubmissionLimits,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Prices a spec in every tier that prices its GPU class, at `at` (QuoteJob and SubmitJob). */
  quote(spec: api.JobSpec, at: Date): api.Quote | { readonly kind: 'invalid'; readonly violations: FieldViolation[] } {
    try {
      return quoteJob(spec, 'all', this.rateCards, toTimestamp(at));
    } catch (error) {
      if (!(error instanceof MeteringError)) throw error;
      return { kind: 'invalid', violations: [{ field: 'spec.gpu_class', description: `cannot be priced: ${error.message}` }] };
    }
  }

  /** `submittedAt` is captured once at the edge; it is the event's time and its ce_time. */
  submit(tenant: Tenant, spec: api.JobSpec | undefined, idempotencyKey: string, submittedAt: Date): Promise<SubmitJobResult> {
    if (this.waiting >= this.limits.maxWaiting) {
      const retryAfterMs = Math.min(5_000, Math.max(100, Math.ceil((this.waiting / Math.max(1, this.drainRate)) * 1000)));
      return Promise.resolve({ kind: 'overloaded', waiting: this.waiting, retryAfterMs });
    }
    // Priced before it waits: a spec that cannot be priced is refused without a transaction.
    let quote: api.Quote | undefined;
    if (spec !== undefined) {
      const priced = this.quote(spec, submittedAt);
      if ('kind' in priced) return Promise.resolve(priced);
      quote = priced;
    }
    this.waiting++;
    return new Promise<SubmitJobResult>((resolve, reject) => {
      const settle =
        <T>(f: (value: T) => void) =>
        (value: T) => {
          this.waiting--;
          f(value);
        };
      this.queue.push({
        tenant,
        spec,
        idempotencyKey,
        fingerprint: spec ? specFingerprint(spec) : '',
        jobId: uuidv7(),
        submittedAt,
        quote,
        resolve: settle(resolve),
        reject: settle(reject),
      });
      this.running ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.limits.batchSize);
        const started = performance.now();
        try {
          const settled = await this.commitBatch(batch);
          for (const [pending, result] of settled) pending.resolve(result);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
        const perSecond = (batch.length * 1000) / Math.max(1, performance.now() - started);
        this.drainRate = 0.8 * this.drainRate + 0.2 * perSecond;
      }
    } finally {
      this.running = undefined;
    }
  }

  /** One transaction for the batch; returns each submission's answer. */
  private async commitBatch(batch: readonly Pending[]): Promise<Map<Pending, SubmitJobResult>> {
    const answers = new Map<Pending, SubmitJobResult>();
    const capped = new Map<string, bigint>();
    for (const pending of batch) {
      const cap = await this.tenants.capOf(pending.tenant.id);
      if (cap !== undefined) capped.set(pending.tenant.id, cap);
    }
    const raced = await this.dataSource
      .transaction(async (tx) => {
        const stored = await priorsOf(
          tx,
          batch.map((p) => ({ tenantId: p.tenant.id, idempotencyKey: p.idempotencyKey })),
        );
        const committed = await lockCommitments(tx, [...capped.keys()].sort());
        // Dependencies: stored jobs, or jobs accepted earlier in this batch (added as they are).
        const jobTenants = await tenantsOfJobs(
          tx,
          batch.flatMap((p) => (p.spec?.dependsOn ?? []).map((d) => d.jobId)),
        );
        const added = new Map<string, bigint>();
        const inBatch = new Map<string, PriorSubmission>();
        const accepted: { pending: Pending; job: NewJob; envelope: ReturnType<typeof intakeJobEnvelope> }[] = [];
        const duplicates: { pending: Pending; jobId: string }[] = [];
        for (const pending of batch) {
          const key = priorKey(pending.tenant.id, pending.idempotencyKey);
          const prior = pending.idempotencyKey === '' ? undefined : (stored.get(key) ?? inBatch.get(key));
          const cap = capped.get(pending.tenant.id);
          const decision = decideSubmission(pending, {
            prior,
            quote: pending.quote,
            worstCaseBaseUnits: pending.quote === undefined ? 0n : highestWorstCasePrice(pending.quote),
            capBaseUnits: cap,
            committedBaseUnits: (committed.get(pending.tenant.id) ?? 0n) + (added.get(pending.tenant.id) ?? 0n),
            dependencyViolations:
              pending.spec === undefined ? [] : unknownDependencyViolations(pending.spec, pending.tenant.id, jobTenants),
          });
          if (decision.kind === 'duplicate') {
            duplicates.push({ pending, jobId: decision.jobId });
            continue;
          }
          if (decision.kind !== 'accepted') {
            answers.set(pending, decision);
            continue;
          }
          const worstCase = decision.worstCaseBaseUnits;
          if (cap !== undefined) added.set(pending.tenant.id, (added.get(pending.tenant.id) ?? 0n) + worstCase);
          const event = decision.event;
          const job = jobFromSubmission(event);
          const eventId = uuidv7();
          if (pending.idempotencyKey !== '') inBatch.set(key, { jobId: job.id, fingerprint: pending.fingerprint });
          jobTenants.set(job.id, pending.tenant.id);
          accepted.push({
            pending,
            job: {
              job,
              tenantId: pending.tenant.id,
              fingerprint: pending.fingerprint,
              worstCaseBaseUnits: worstCase,
              eventId,
              submittedAt: pending.submittedAt,
            },
            envelope: intakeJobEnvelope(eventId, { type: 'JobSubmitted', payload: event }, pending.submittedAt),
          });
        }
        const inserted = await insertJobs(
          tx,
          accepted.map((a) => a.job),
        );
        const lost = accepted.filter((a) => !inserted.has(a.job.job.id));
        // A concurrent submission (another instance) took a key between our read and our insert:
        // roll back and let those few be decided again, alone, now that their key is stored.
        if (lost.length > 0) throw new KeyRace(lost.map((a) => a.pending));
        await addCommitments(tx, added);
        await this.outbox.add(
          tx,
          this.jobsTopic,
          accepted.map((a) => a.envelope),
        );
        for (const a of accepted) answers.set(a.pending, { kind: 'submitted', job: a.job.job, deduplicated: false });
        await this.answerDuplicates(tx, duplicates, answers, accepted);
        return undefined;
      })
      .catch((error: unknown) => {
        if (error instanceof KeyRace) return error.pendings;
        throw error;
      });
    if (raced !== undefined) {
      // The batch rolled back: decide every submission of it again, one batch each.
      answers.clear();
      for (const pending of batch) for (const [p, r] of await this.commitBatch([pending])) answers.set(p, r);
    }
    return answers;
  }

  private async answerDuplicates(
    tx: EntityManager,
    duplicates: readonly { pending: Pending; jobId: string }[],
    answers: Map<Pending, SubmitJobResult>,
    accepted: readonly { job: NewJob }[],
  ): Promise<void> {
    const fresh = new Map(accepted.map((a) => [a.job.job.id, a.job.job]));
    const stored = await jobsById(
      tx,
      duplicates.map((d) => d.jobId).filter((id) => !fresh.has(id)),
    );
    for (const { pending, jobId } of duplicates) {
      const job = fresh.get(jobId) ?? stored.get(jobId);
      if (job === undefined)
        throw new Error(`submission ${pending.tenant.id}/${pending.idempotencyKey} repeats job ${jobId}, which is not stored`);
      answers.set(pending, { kind: 'submitted', job, deduplicated: true });
    }
  }
}

class KeyRace extends Error {
  constructor(readonly pendings: readonly Pending[]) {
    super('an idempotency key was taken by a concurrent submission');
  }
}
