// Applies events of the jobs topic, and the usage facts of the usage and ledger topics, to the
// projection inside the consumer's transaction (which also holds the inbox claims): a run of
// events at once — folded in memory per job in log order, then stored and appended to the jobs'
// histories in a few statements for the whole run. One event is a run of one: the live
// consumer's batch path, its per-event fallback and `switchyard rebuild jobs` share the code.
import { Injectable } from '@nestjs/common';
import { api, JOB_EVENT_TYPES } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { APPLIED, type ProjectionOutcome } from '@switchyard/event-runtime';
import { highestWorstCasePrice } from '@switchyard/metering/pricing';
import type { EntityManager } from 'typeorm';
import type { JobEvent } from '../domain/job-event.js';
import { evolveJob, jobFromSubmission } from '../domain/job-lifecycle.js';
import { evolveSettlement, NO_USAGE, type UsageFact, type UsageTally } from '../domain/settlement.js';
import { specFingerprint } from '../domain/spec-fingerprint.js';
import { toTimestamp } from '../domain/submit-job.js';
import { POSTING_RECORDED_TYPE, readJobEvent, readUsageFact, USAGE_METERED_TYPE } from '../intake-events.js';
import { JobStore } from '../persistence/job-store.js';
import { insertJobs, type NewJob } from '../persistence/submission-store.js';
import { JobFold } from './job-fold.js';
import { recordTransition } from './job-metrics.js';

/** States in which a job no longer counts towards its tenant's spending cap (it ran nothing billable past its usage). */
const RELEASES_COMMITMENT: ReadonlySet<api.JobState> = new Set([api.JobState.JOB_STATE_CANCELLED, api.JobState.JOB_STATE_EXPIRED]);

/** The jobs' worst cases leave their tenants' running commitments, if they were submitted in the current window. */
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

/** The usage facts the projection applies: a UsageMetered (usage topic), a PostingRecorded (ledger topic). */
export const SETTLEMENT_EVENT_TYPES: readonly string[] = [USAGE_METERED_TYPE, POSTING_RECORDED_TYPE];
const SETTLEMENT: ReadonlySet<string> = new Set(SETTLEMENT_EVENT_TYPES);

/** Events that end a job: its settlement state starts from what its usage records say by then. */
const ENDING: ReadonlySet<JobEvent['type']> = new Set(['JobCompleted', 'JobFailed', 'JobCancelled', 'JobExpired']);

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];
const plus = (a: UsageTally, b: UsageTally, sign = 1): UsageTally => ({
  metered: a.metered + sign * b.metered,
  posted: a.posted + sign * b.posted,
});

@Injectable()
export class JobProjector {
  constructor(private readonly store: JobStore) {}

  /** One event: a run of one. */
  async project(manager: EntityManager, envelope: EventEnvelope): Promise<ProjectionOutcome> {
    return (await this.projectRun(manager, [envelope]))[0]!;
  }

  /**
   * A run of events in log order (one partition's, or a round of several partitions and topics);
   * the outcome of each. Job events and usage facts are applied stretch by stretch, in turn; a
   * usage stretch is cut where a usage id's other fact (its UsageMetered and its PostingRecorded
   * come on different topics) would join it, so each piece records a usage id once.
   */
  async projectRun(manager: EntityManager, envelopes: readonly EventEnvelope[]): Promise<ProjectionOutcome[]> {
    const outcomes: ProjectionOutcome[] = [];
    for (let start = 0, end = 0; start < envelopes.length; start = end) {
      const usage = SETTLEMENT.has(envelopes[start]!.type);
      const facts: (UsageFact | undefined)[] = [];
      const kinds = new Map<string, UsageFact['kind']>();
      while (end < envelopes.length && SETTLEMENT.has(envelopes[end]!.type) === usage) {
        if (usage) {
          const fact = readUsageFact(envelopes[end]!);
          const kind = fact && kinds.get(fact.usageId);
          if (fact && kind !== undefined && kind !== fact.kind) break;
          if (fact) kinds.set(fact.usageId, fact.kind);
          facts.push(fact);
        }
        end++;
      }
      const stretch = envelopes.slice(start, end);
      outcomes.push(...(usage ? await this.projectUsageFacts(manager, stretch, facts) : await this.projectJobEvents(manager, stretch)));
    }
    return outcomes;
  }

  /**
   * Job events: the edge-applied check, the submissions intake did not store itself, one locked
   * read of every job touched, the usage tallies of the jobs that end, the fold, one write.
   */
  private async projectJobEvents(manager: EntityManager, envelopes: readonly EventEnvelope[]): Promise<ProjectionOutcome[]> {
    const read = envelopes.map((envelope, i) => {
      const event = readJobEvent(envelope);
      // A job event that cannot be read is a poison message, not one to skip: failing it lets the
      // runtime retry and then dead-letter it to `<topic>-dlt`, where it can be inspected and
      // re-driven once fixed.
      if (!event) throw new Error(`${envelope.type} ${envelope.id}: the payload is not a ${envelope.type} about job ${envelope.subject}`);
      return { i, envelope, event, at: new Date(envelope.time) };
    });
    const outcomes: ProjectionOutcome[] = new Array<ProjectionOutcome>(read.length).fill(APPLIED);
    // Events intake applied at the gRPC edge (JobSubmitted, JobCancelRequested) come back here.
    const applied = await this.store.appliedAmong(
      manager,
      read.map((r) => r.envelope.id),
    );
    for (const r of read)
      if (applied.has(r.envelope.id)) outcomes[r.i] = { applied: false, reason: `${r.event.type} already applied (at the gRPC edge)` };
    const pending = read.filter((r) => !applied.has(r.envelope.id));
    // A JobSubmitted intake did not store itself: the projection is being rebuilt from the log.
    const submissions = pending.flatMap((r) =>
      r.event.type === 'JobSubmitted' ? [{ i: r.i, job: newJobOf(r.envelope.id, r.event.payload, r.at) }] : [],
    );
    const inserted = await insertJobs(
      manager,
      submissions.map((s) => s.job),
    );
    for (const s of submissions)
      if (!inserted.delete(s.job.job.id))
        outcomes[s.i] = { applied: false, reason: 'JobSubmitted whose job id or idempotency key already exists' };
    const rest = pending.filter((r) => r.event.type !== 'JobSubmitted');
    if (rest.length === 0) return outcomes;
    const stored = await this.store.lockMany(manager, unique(rest.map((r) => r.envelope.subject)));
    const tallies = await this.store.usageTallies(
      manager,
      unique(rest.filter((r) => ENDING.has(r.event.type) && stored.has(r.envelope.subject)).map((r) => r.envelope.subject)),
    );
    const fold = new JobFold(stored);
    const released: string[] = [];
    for (const { i, envelope, event, at } of rest) {
      const job = fold.job(envelope.subject);
      if (!job) {
        outcomes[i] = { applied: false, reason: `${event.type} for an unknown job` };
        continue;
      }
      const usage = ENDING.has(event.type) ? (tallies.get(envelope.subject) ?? NO_USAGE) : NO_USAGE;
      const evolution = evolveJob(job, event, toTimestamp(at), usage);
      if (evolution.kind === 'ignored') {
        outcomes[i] = { applied: false, reason: `${event.type} changes nothing: ${evolution.reason}` };
        continue;
      }
      fold.record(envelope.subject, evolution.job, {
        eventId: envelope.id,
        eventType: event.type,
        occurredAt: at,
        detail: evolution.detail,
      });
      if (RELEASES_COMMITMENT.has(evolution.job.state) && !RELEASES_COMMITMENT.has(job.state)) released.push(envelope.subject);
      recordTransition(job, evolution.job, at);
    }
    await fold.write(manager, this.store);
    if (released.length > 0) await releaseCommitments(manager, released);
    return outcomes;
  }

  /**
   * UsageMetered and usage records' PostingRecorded: each recorded against its usage id whichever
   * comes first (one statement for the run), then each job's settlement state follows its tally,
   * fact by fact in log order, with a history entry when it moves. A posting seen before its
   * UsageMetered waits in its row; the UsageMetered settles the job.
   */
  private async projectUsageFacts(
    manager: EntityManager,
    envelopes: readonly EventEnvelope[],
    facts: readonly (UsageFact | undefined)[],
  ): Promise<ProjectionOutcome[]> {
    // The first fact of a usage id in the run is the one recorded; a later one (of the same kind:
    // projectRun cuts a run where the other kind would join) is a duplicate.
    const firsts = new Map<string, UsageFact>();
    for (const fact of facts) if (fact && !firsts.has(fact.usageId)) firsts.set(fact.usageId, fact);
    const recorded = await this.store.recordUsage(manager, [...firsts.values()]);
    const news = facts.map((fact) => (fact && firsts.get(fact.usageId) === fact ? recorded.get(fact.usageId) : undefined));
    const stored = await this.store.lockMany(manager, unique(news.flatMap((row) => (row?.jobId ? [row.jobId] : []))));
    const tallies = await this.store.usageTallies(manager, [...stored.keys()]);
    // What each news fact adds to its job's tally; the tally read includes the whole run, so a
    // job's tally before the run is the tally read less the run's.
    const added = news.map((row, i): UsageTally => ({
      metered: facts[i]?.kind === 'metered' ? 1 : 0,
      posted: row?.metered && row.posted ? 1 : 0,
    }));
    const running = new Map([...stored.keys()].map((jobId) => [jobId, tallies.get(jobId) ?? NO_USAGE]));
    for (const [i, row] of news.entries()) {
      const before = row?.jobId && running.get(row.jobId);
      if (before) running.set(row.jobId!, plus(before, added[i]!, -1));
    }
    const fold = new JobFold(stored);
    const outcomes = envelopes.map((envelope, i): ProjectionOutcome => {
      const fact = facts[i];
      const row = news[i];
      if (!fact) return { applied: false, reason: `${envelope.type} ${envelope.id} is not about a usage record` };
      if (!row) return { applied: false, reason: `usage ${fact.usageId} is already recorded as ${fact.kind}` };
      // A posting before its UsageMetered waits; usage of a job not projected yet is read by its ending event.
      const jobId = row.jobId;
      const job = jobId === null ? undefined : fold.job(jobId);
      if (jobId === null || !job) return APPLIED;
      const tally = plus(running.get(jobId)!, added[i]!);
      running.set(jobId, tally);
      const at = new Date(envelope.time);
      const evolution = evolveSettlement(job, tally, fact, toTimestamp(at));
      if (evolution.kind === 'applied') {
        const eventType = fact.kind === 'metered' ? 'UsageMetered' : 'PostingRecorded';
        fold.record(jobId, evolution.job, { eventId: envelope.id, eventType, occurredAt: at, detail: evolution.detail });
      }
      return APPLIED;
    });
    await fold.write(manager, this.store);
    return outcomes;
  }
}

/** The job a JobSubmitted creates, with the worst case of the quote it was accepted under (what the spending cap counts). */
function newJobOf(eventId: string, submitted: Extract<JobEvent, { type: 'JobSubmitted' }>['payload'], at: Date): NewJob {
  return {
    job: jobFromSubmission(submitted),
    tenantId: submitted.tenantId,
    fingerprint: submitted.spec ? specFingerprint(api.JobSpec.fromPartial(submitted.spec)) : '',
    worstCaseBaseUnits: submitted.quote ? highestWorstCasePrice(api.Quote.fromPartial(submitted.quote)) : 0n,
    eventId,
    submittedAt: at,
  };
}
