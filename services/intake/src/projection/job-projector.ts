// Applies one event of the jobs topic to the projection, inside the consumer's transaction
// (which also holds the inbox claim): fold, store, append to the job's history.
import { Injectable, Logger } from '@nestjs/common';
import { api } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import type { EntityManager } from 'typeorm';
import type { JobEvent } from '../domain/job-event.js';
import { evolveJob, jobFromSubmission } from '../domain/job-lifecycle.js';
import { specFingerprint } from '../domain/spec-fingerprint.js';
import { toTimestamp } from '../domain/submit-job.js';
import { readJobEvent } from '../job-envelopes.js';
import { JobStore } from '../persistence/job-store.js';

@Injectable()
export class JobProjector {
  private readonly logger = new Logger('JobProjection');

  constructor(private readonly store: JobStore) {}

  async project(manager: EntityManager, envelope: EventEnvelope): Promise<void> {
    const event = readJobEvent(envelope);
    // A job event that cannot be read is a poison message, not one to skip: failing it lets the
    // runtime retry and then dead-letter it to `<topic>-dlt`, where it can be inspected and
    // re-driven once fixed.
    if (!event) throw new Error(`${envelope.type} ${envelope.id}: the payload is not a ${envelope.type} about job ${envelope.subject}`);
    // Events intake applied at the gRPC edge (JobSubmitted, JobCancelRequested) come back here.
    if (await this.store.hasApplied(manager, envelope.id)) return;
    const at = new Date(envelope.time);
    if (event.type === 'JobSubmitted') return this.projectSubmission(manager, envelope, event.payload, at);
    const stored = await this.store.find(manager, envelope.subject, { lock: true });
    if (!stored) {
      this.logger.warn(`${event.type} ${envelope.id} for unknown job ${envelope.subject}; skipped`);
      return;
    }
    const evolution = evolveJob(stored.job, event, toTimestamp(at));
    if (evolution.kind === 'ignored') {
      this.logger.log(`${event.type} ${envelope.id} for job ${envelope.subject} changes nothing: ${evolution.reason}`);
      return;
    }
    await this.store.apply(manager, stored, evolution.job, { eventId: envelope.id, eventType: event.type, occurredAt: at, detail: evolution.detail });
  }

  /** A JobSubmitted intake did not store itself: the projection is being rebuilt from the log. */
  private async projectSubmission(manager: EntityManager, envelope: EventEnvelope, submitted: Extract<JobEvent, { type: 'JobSubmitted' }>['payload'], at: Date): Promise<void> {
    const job = jobFromSubmission(submitted);
    const fingerprint = submitted.spec ? specFingerprint(api.JobSpec.fromPartial(submitted.spec)) : '';
    const inserted = await this.store.insertSubmitted(manager, submitted.tenantId, fingerprint, job, {
      eventId: envelope.id,
      eventType: 'JobSubmitted',
      occurredAt: at,
      detail: '',
    });
    if (!inserted) this.logger.warn(`JobSubmitted ${envelope.id}: job ${job.id} or its idempotency key already exists; skipped`);
  }
}
