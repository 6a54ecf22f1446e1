// CancelJob: under the job's row lock, decide; a new request is applied to the projection and
// written to the outbox in the same transaction, so a second cancel sees it at once.
import { Inject, Injectable } from '@nestjs/common';
import type { api } from '@switchyard/contracts';
import { Outbox } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { decideCancelJob } from '../domain/cancel-job.js';
import { evolveJob } from '../domain/job-lifecycle.js';
import { toTimestamp } from '../domain/submit-job.js';
import { intakeJobEnvelope } from '../intake-events.js';
import { JobStore } from '../persistence/job-store.js';
import { JOBS_TOPIC } from './tokens.js';

export type CancelJobResult =
  | { readonly kind: 'cancel-requested'; readonly job: api.Job }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'terminal'; readonly state: api.JobState };

@Injectable()
export class CancelJobHandler {
  private readonly outbox = new Outbox();

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: JobStore,
    @Inject(JOBS_TOPIC) private readonly jobsTopic: string,
  ) {}

  async cancel(tenantId: string, jobId: string, reason: string, requestedAt: Date): Promise<CancelJobResult> {
    return this.dataSource.transaction(async (tx) => {
      const stored = await this.store.find(tx, jobId, { tenantId, lock: true });
      if (!stored) return { kind: 'not-found' };
      const decision = decideCancelJob(stored.job, reason, toTimestamp(requestedAt));
      if (decision.kind === 'terminal') return decision;
      if (decision.kind === 'already-requested') return { kind: 'cancel-requested', job: stored.job };
      const event = { type: 'JobCancelRequested', payload: decision.event } as const;
      const evolution = evolveJob(stored.job, event, toTimestamp(requestedAt));
      if (evolution.kind !== 'applied') throw new Error(`JobCancelRequested not applicable to ${jobId}: ${evolution.reason}`);
      const eventId = uuidv7();
      await this.store.apply(tx, stored, evolution.job, { eventId, eventType: event.type, occurredAt: requestedAt, detail: evolution.detail });
      await this.outbox.add(tx, this.jobsTopic, intakeJobEnvelope(eventId, event, requestedAt));
      return { kind: 'cancel-requested', job: evolution.job };
    });
  }
}
