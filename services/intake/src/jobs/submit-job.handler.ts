// SubmitJob: decide, then store the job and its JobSubmitted (outbox) in one transaction.
import { Inject, Injectable } from '@nestjs/common';
import type { api } from '@switchyard/contracts';
import { Outbox } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { FieldViolation } from '../domain/field-violation.js';
import { jobFromSubmission } from '../domain/job-lifecycle.js';
import { specFingerprint } from '../domain/spec-fingerprint.js';
import { decideSubmitJob, type Tenant } from '../domain/submit-job.js';
import { jobEventEnvelope } from '../job-envelopes.js';
import { JobStore } from '../persistence/job-store.js';
import { JOBS_TOPIC } from './tokens.js';

export type SubmitJobResult =
  | { readonly kind: 'submitted'; readonly job: api.Job; readonly deduplicated: boolean }
  | { readonly kind: 'invalid'; readonly violations: FieldViolation[] }
  | { readonly kind: 'conflict'; readonly jobId: string };

@Injectable()
export class SubmitJobHandler {
  private readonly outbox = new Outbox();

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: JobStore,
    @Inject(JOBS_TOPIC) private readonly jobsTopic: string,
  ) {}

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
          const job = jobFromSubmission(decision.event);
          const eventId = uuidv7();
          const stored = await this.dataSource.transaction(async (tx) => {
            const inserted = await this.store.insertSubmitted(tx, tenant.id, command.fingerprint, job, {
              eventId,
              eventType: 'JobSubmitted',
              occurredAt: submittedAt,
              detail: '',
            });
            if (inserted) await this.outbox.add(tx, this.jobsTopic, jobEventEnvelope(eventId, job.id, { type: 'JobSubmitted', payload: decision.event }, submittedAt));
            return inserted;
          });
          if (stored) return { kind: 'submitted', job, deduplicated: false };
          continue;
        }
      }
    }
    throw new Error(`submission ${tenant.id}/${idempotencyKey} neither inserted nor found after a key conflict`);
  }
}
