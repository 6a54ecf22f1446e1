// CancelJob through the one command handler: under the job's row lock, decide; a new request is
// applied to the projection and written to the outbox in the same transaction, so a second cancel
// sees it at once.
import { Inject, Injectable } from '@nestjs/common';
import type { api } from '@switchyard/contracts';
import { handleCommand } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { decideCancelJob, type CancelJobDecision } from '../domain/cancel-job.js';
import { evolveJob } from '../domain/job-lifecycle.js';
import { toTimestamp } from '../domain/submit-job.js';
import { intakeJobEnvelope } from '../intake-events.js';
import { JobStore, type StoredJob } from '../persistence/job-store.js';
import { JOBS_TOPIC } from './tokens.js';

export type CancelJobResult =
  | { readonly kind: 'cancel-requested'; readonly job: api.Job }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'terminal'; readonly state: api.JobState };

@Injectable()
export class CancelJobHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: JobStore,
    @Inject(JOBS_TOPIC) private readonly jobsTopic: string,
  ) {}

  async cancel(tenantId: string, jobId: string, reason: string, requestedAt: Date): Promise<CancelJobResult> {
    const at = toTimestamp(requestedAt);
    return handleCommand<StoredJob | undefined, CancelJobDecision | undefined, CancelJobResult>(this.dataSource, {
      load: (tx) => this.store.find(tx, jobId, { tenantId, lock: true }),
      decide: (stored) => (stored === undefined ? undefined : decideCancelJob(stored.job, reason, at)),
      persist: async (tx, decision, stored) => {
        if (decision === undefined || stored === undefined) return { result: { kind: 'not-found' } };
        if (decision.kind === 'terminal') return { result: decision };
        if (decision.kind === 'already-requested') return { result: { kind: 'cancel-requested', job: stored.job } };
        const event = { type: 'JobCancelRequested', payload: decision.event } as const;
        const evolution = evolveJob(stored.job, event, at);
        if (evolution.kind !== 'applied') throw new Error(`JobCancelRequested not applicable to ${jobId}: ${evolution.reason}`);
        const eventId = uuidv7();
        await this.store.apply(tx, stored, evolution.job, {
          eventId,
          eventType: event.type,
          occurredAt: requestedAt,
          detail: evolution.detail,
        });
        return {
          result: { kind: 'cancel-requested', job: evolution.job },
          events: [{ topic: this.jobsTopic, envelopes: [intakeJobEnvelope(eventId, event, requestedAt)] }],
        };
      },
    });
  }
}
