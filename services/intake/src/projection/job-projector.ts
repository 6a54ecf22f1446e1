// Applies one event of the jobs topic to the projection, inside the consumer's transaction
// (which also holds the inbox claim): fold, store, append to the job's history. The live
// consumer and `switchyard rebuild jobs` both apply events through it.
import { Injectable } from '@nestjs/common';
import { api, JOB_EVENT_TYPES } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { APPLIED, type ProjectionOutcome } from '@switchyard/event-runtime';
import { highestWorstCasePrice } from '@switchyard/metering/pricing';
import type { EntityManager } from 'typeorm';
import type { JobEvent } from '../domain/job-event.js';
import { evolveJob, jobFromSubmission } from '../domain/job-lifecycle.js';
import { evolveSettlement, NO_USAGE, type UsageTally } from '../domain/settlement.js';
import { specFingerprint } from '../domain/spec-fingerprint.js';
import { toTimestamp } from '../domain/submit-job.js';
import { readJobEvent, readUsageFact } from '../intake-events.js';
import { JobStore, type HistoryRow, type StoredJob } from '../persistence/job-store.js';
import { recordTransition } from './job-metrics.js';

/** States in which a job no longer counts towards its tenant's spending cap (it ran nothing billable past its usage). */
const RELEASES_COMMITMENT: ReadonlySet<api.JobState> = new Set([api.JobState.JOB_STATE_CANCELLED, api.JobState.JOB_STATE_EXPIRED]);

/** The job's worst case leaves its tenant's running commitment, if it was submitted in the current window. */
async function releaseCommitment(manager: EntityManager, jobId: string): Promise<void> {
  await releaseCommitments(manager, [jobId]);
}

async function releaseCommitments(manager: EntityManager, jobIds: readonly string[]): Promise<void> {
  await manager.query(
    `UPDATE spending_commitments c SET committed_base_units = GREATEST(0, c.committed_base_units - r.amount)
       FROM (SELECT j.tenant_id, SUM(j.worst_case_base_units) AS amount
               FROM jobs j JOIN spending_commitments w ON w.tenant_id = j.tenant_id AND j.submitted_at > w.window_start
              WHERE j.id = ANY($1::uuid[]) GROUP BY j.tenant_id) r
      WHERE c.tenant_id = r.tenant_id`,
    [jobIds],
  );
}

/** The job events the projection applies: every one, as each changes what a tenant sees. */
export const PROJECTED_JOB_EVENT_TYPES = JOB_EVENT_TYPES;

/** Events that end a job: its settlement state starts from what its usage records say by then. */
const ENDING: ReadonlySet<JobEvent['type']> = new Set(['JobCompleted', 'JobFailed', 'JobCancelled', 'JobExpired']);

@Injectable()
export class JobProjector {
  constructor(private readonly store: JobStore) {}

  async project(manager: EntityManager, envelope: EventEnvelope): Promise<ProjectionOutcome> {
    const event = readJobEvent(envelope);
    // A job event that cannot be read is a poison message, not one to skip: failing it lets the
    // runtime retry and then dead-letter it to `<topic>-dlt`, where it can be inspected and
    // re-driven once fixed.
    if (!event) throw new Error(`${envelope.type} ${envelope.id}: the payload is not a ${envelope.type} about job ${envelope.subject}`);
    // Events intake applied at the gRPC edge (JobSubmitted, JobCancelRequested) come back here.
    if (await this.store.hasApplied(manager, envelope.id))
      return { applied: false, reason: `${event.type} already applied (at the gRPC edge)` };
    const at = new Date(envelope.time);
    if (event.type === 'JobSubmitted') return this.projectSubmission(manager, envelope, event.payload, at);
    const stored = await this.store.find(manager, envelope.subject, { lock: true });
    if (!stored) return { applied: false, reason: `${event.type} for an unknown job` };
    const usage = ENDING.has(event.type)
      ? ((await this.store.usageTallies(manager, [stored.job.id])).get(stored.job.id) ?? NO_USAGE)
      : NO_USAGE;
    const evolution = evolveJob(stored.job, event, toTimestamp(at), usage);
    if (evolution.kind === 'ignored') return { applied: false, reason: `${event.type} changes nothing: ${evolution.reason}` };
    await this.store.apply(manager, stored, evolution.job, {
      eventId: envelope.id,
      eventType: event.type,
      occurredAt: at,
      detail: evolution.detail,
    });
    if (RELEASES_COMMITMENT.has(evolution.job.state) && !RELEASES_COMMITMENT.has(stored.job.state))
      await releaseCommitment(manager, stored.job.id);
    recordTransition(stored.job, evolution.job, at);
    return APPLIED;
  }

  /**
   * A run of job events in one go (the live consumer's batch path): the same fold and the same
   * history rows as `project` event by event, in a handful of statements for the whole run — the
   * edge-applied check, one locked read of every job touched, one update of the jobs, one insert
   * of their history, one round of notifications, one release of commitments.
   */
  async projectBatch(manager: EntityManager, envelopes: readonly EventEnvelope[]): Promise<void> {
    const read = envelopes.map((envelope) => {
      const event = readJobEvent(envelope);
      if (!event) throw new Error(`${envelope.type} ${envelope.id}: the payload is not a ${envelope.type} about job ${envelope.subject}`);
      return { envelope, event };
    });
    const applied = await this.store.appliedAmong(
      manager,
      read.map((r) => r.envelope.id),
    );
    const pending = read.filter((r) => !applied.has(r.envelope.id));
    // A JobSubmitted intake did not store itself (a rebuild, or another instance's): one at a time.
    for (const { envelope, event } of pending) {
      if (event.type === 'JobSubmitted') await this.projectSubmission(manager, envelope, event.payload, new Date(envelope.time));
    }
    const rest = pending.filter((r) => r.event.type !== 'JobSubmitted');
    if (rest.length === 0) return;
    const stored = await this.store.lockMany(manager, [...new Set(rest.map((r) => r.envelope.subject))]);
    const tallies = await this.store.usageTallies(manager, [
      ...new Set(rest.filter((r) => ENDING.has(r.event.type)).map((r) => r.envelope.subject)),
    ]);
    const changed = new Map<string, { before: StoredJob; job: api.Job; lastSeq: number }>();
    const history: HistoryRow[] = [];
    const released: string[] = [];
    for (const { envelope, event } of rest) {
      const current =
        changed.get(envelope.subject) ??
        (stored.get(envelope.subject) && {
          before: stored.get(envelope.subject)!,
          job: stored.get(envelope.subject)!.job,
          lastSeq: stored.get(envelope.subject)!.lastSeq,
        });
      if (!current) continue; // an event for an unknown job: as project() does, nothing to apply
      const at = new Date(envelope.time);
      const evolution = evolveJob(current.job, event, toTimestamp(at), tallies.get(envelope.subject) ?? NO_USAGE);
      if (evolution.kind === 'ignored') continue;
      const seq = current.lastSeq + 1;
      history.push({
        jobId: envelope.subject,
        seq,
        eventId: envelope.id,
        eventType: event.type,
        occurredAt: at,
        detail: evolution.detail,
        job: evolution.job,
      });
      if (RELEASES_COMMITMENT.has(evolution.job.state) && !RELEASES_COMMITMENT.has(current.job.state)) released.push(envelope.subject);
      recordTransition(current.job, evolution.job, at);
      changed.set(envelope.subject, { before: current.before, job: evolution.job, lastSeq: seq });
    }
    await this.store.applyMany(
      manager,
      [...changed.values()].map((c) => ({
        job: c.job,
        lastSeq: c.lastSeq,
        updatedAt: history.filter((h) => h.jobId === c.job.id).at(-1)!.occurredAt,
      })),
      history,
    );
    if (released.length > 0) await releaseCommitments(manager, released);
  }

  /**
   * A UsageMetered (usage topic) or a usage record's PostingRecorded (ledger topic): recorded
   * against its usage id whichever comes first, then the job's settlement state follows the
   * tally, with a history entry when it moves.
   */
  async projectUsage(manager: EntityManager, envelope: EventEnvelope): Promise<ProjectionOutcome> {
    const fact = readUsageFact(envelope);
    if (!fact) return { applied: false, reason: `${envelope.type} ${envelope.id} is not about a usage record` };
    const jobId =
      fact.kind === 'metered'
        ? await this.store.recordUsageMetered(manager, fact.usageId, fact.jobId)
        : await this.store.recordUsagePosted(manager, fact.usageId);
    if (jobId === false) return { applied: false, reason: `usage ${fact.usageId} is already recorded as ${fact.kind}` };
    // A posting seen before its UsageMetered: the row waits; the UsageMetered settles the job.
    if (jobId === null) return APPLIED;
    const stored = await this.store.find(manager, jobId, { lock: true });
    if (!stored) return APPLIED; // usage of a job not projected yet: its ending event reads the tally
    const tally: UsageTally = (await this.store.usageTallies(manager, [jobId])).get(jobId) ?? NO_USAGE;
    const at = new Date(envelope.time);
    const evolution = evolveSettlement(stored.job, tally, fact, toTimestamp(at));
    if (evolution.kind === 'ignored') return APPLIED;
    const eventType = fact.kind === 'metered' ? 'UsageMetered' : 'PostingRecorded';
    await this.store.apply(manager, stored, evolution.job, { eventId: envelope.id, eventType, occurredAt: at, detail: evolution.detail });
    return APPLIED;
  }

  /** A JobSubmitted intake did not store itself: the projection is being rebuilt from the log. */
  private async projectSubmission(
    manager: EntityManager,
    envelope: EventEnvelope,
    submitted: Extract<JobEvent, { type: 'JobSubmitted' }>['payload'],
    at: Date,
  ): Promise<ProjectionOutcome> {
    const job = jobFromSubmission(submitted);
    const fingerprint = submitted.spec ? specFingerprint(api.JobSpec.fromPartial(submitted.spec)) : '';
    // The spending cap counts the worst case of the quote the job was accepted under, which the event carries.
    const worstCaseBaseUnits = submitted.quote ? highestWorstCasePrice(api.Quote.fromPartial(submitted.quote)) : 0n;
    const inserted = await this.store.insertSubmitted(manager, { tenantId: submitted.tenantId, fingerprint, worstCaseBaseUnits }, job, {
      eventId: envelope.id,
      eventType: 'JobSubmitted',
      occurredAt: at,
      detail: '',
    });
    return inserted ? APPLIED : { applied: false, reason: 'JobSubmitted whose job id or idempotency key already exists' };
  }
}
