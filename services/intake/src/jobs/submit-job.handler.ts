// SubmitJob: decide, then store the job and its JobSubmitted (outbox) in one transaction.
import { Inject, Injectable } from '@nestjs/common';
import type { api } from '@switchyard/contracts';
import { highestWorstCasePrice, MeteringError, quoteJob, type RateCard } from '@switchyard/metering/pricing';
import { fitsUnderCap } from '@switchyard/payout/domain';
import { Outbox } from '@switchyard/event-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { FieldViolation } from '../domain/field-violation.js';
import { jobFromSubmission } from '../domain/job-lifecycle.js';
import { specFingerprint } from '../domain/spec-fingerprint.js';
import { decideSubmitJob, toTimestamp, type Tenant } from '../domain/submit-job.js';
import { jobEventEnvelope } from '../job-envelopes.js';
import { JobStore } from '../persistence/job-store.js';
import { JOBS_TOPIC, RATE_CARDS } from './tokens.js';

export type SubmitJobResult =
  | { readonly kind: 'submitted'; readonly job: api.Job; readonly deduplicated: boolean }
  | { readonly kind: 'invalid'; readonly violations: FieldViolation[] }
  | { readonly kind: 'conflict'; readonly jobId: string }
  /** The worst-case quote does not fit in what is left of the tenant's cap for the epoch. */
  | { readonly kind: 'over-cap'; readonly capBaseUnits: bigint; readonly committedBaseUnits: bigint; readonly quoteBaseUnits: bigint };

@Injectable()
export class SubmitJobHandler {
  private readonly outbox = new Outbox();

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: JobStore,
    @Inject(JOBS_TOPIC) private readonly jobsTopic: string,
    @Inject(RATE_CARDS) private readonly rateCards: readonly RateCard[],
  ) {}

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
  async submit(tenant: Tenant, spec: api.JobSpec | undefined, idempotencyKey: string, submittedAt: Date): Promise<SubmitJobResult> {
    const command = { tenant, spec, idempotencyKey, fingerprint: spec ? specFingerprint(spec) : '', jobId: uuidv7(), submittedAt };
    const manager = this.dataSource.manager;
    // Two rounds at most: a concurrent submission with the same key that wins the insert turns
    // this one into a duplicate (or a conflict) on the second look.
    for (let round = 0; round < 2; round++) {
      const prior = idempotencyKey === '' ? undefined : await this.store.findByIdempotencyKey(manager, tenant.id, idempotencyKey);
      const decision = decideSubmitJob(command, prior);
      switch (decision.kind) {
        case 'invalid':
        case 'conflict':
          return decision;
        case 'duplicate': {
          const existing = await this.store.find(manager, decision.jobId);
          if (existing) return { kind: 'submitted', job: existing.job, deduplicated: true };
          continue;
        }
        case 'accepted': {
          const quote = this.quote(decision.event.spec!, submittedAt);
          if ('kind' in quote) return quote;
          const worstCase = highestWorstCasePrice(quote);
          const event = { ...decision.event, quote };
          const job = jobFromSubmission(event);
          const eventId = uuidv7();
          const stored = await this.dataSource.transaction(async (tx): Promise<SubmitJobResult | 'taken'> => {
            const overCap = await this.overCap(tx, tenant.id, worstCase);
            if (overCap) return overCap;
            const submission = { tenantId: tenant.id, fingerprint: command.fingerprint, worstCaseBaseUnits: worstCase };
            const inserted = await this.store.insertSubmitted(tx, submission, job, { eventId, eventType: 'JobSubmitted', occurredAt: submittedAt, detail: '' });
            if (!inserted) return 'taken';
            await this.outbox.add(tx, this.jobsTopic, jobEventEnvelope(eventId, job.id, { type: 'JobSubmitted', payload: event }, submittedAt));
            return { kind: 'submitted', job, deduplicated: false };
          });
          if (stored !== 'taken') return stored;
          continue;
        }
      }
    }
    throw new Error(`submission ${tenant.id}/${idempotencyKey} neither inserted nor found after a key conflict`);
  }

  /**
   * The cap check, inside the submission's transaction: submissions of one tenant take turns
   * (an advisory lock), so two concurrent ones cannot both fit in the same remainder.
   * Committed = worst-case quotes of the tenant's jobs since the last epoch cutoff, except jobs
   * cancelled or expired (they ran nothing billable past what metering reports).
   */
  private async overCap(tx: EntityManager, tenantId: string, worstCase: bigint): Promise<SubmitJobResult | undefined> {
    const [tenant] = (await tx.query('SELECT spending_cap_base_units::text AS cap FROM tenants WHERE id = $1', [tenantId])) as { cap: string | null }[];
    if (!tenant?.cap) return undefined;
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`intake-spending-cap:${tenantId}`]);
    const [row] = (await tx.query(
      `SELECT COALESCE(SUM(worst_case_base_units), 0)::text AS committed FROM jobs
        WHERE tenant_id = $1
          AND submitted_at > COALESCE((SELECT max(cutoff) FROM epochs), '-infinity'::timestamptz)
          AND state NOT IN ('JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED')`,
      [tenantId],
    )) as { committed: string }[];
    const cap = BigInt(tenant.cap);
    const committed = BigInt(row!.committed);
    return fitsUnderCap(cap, committed, worstCase) ? undefined : { kind: 'over-cap', capBaseUnits: cap, committedBaseUnits: committed, quoteBaseUnits: worstCase };
  }
}
