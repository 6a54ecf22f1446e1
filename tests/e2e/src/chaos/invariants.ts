// What a chaos run must leave behind, checked from the log (the source of truth) and the
// services' projections once the system is quiet:
// hard guarantees — no acknowledged job lost, no job created twice, no run on two providers at
// once, no usage metered twice, the ledger balanced (every posting, the whole, each balance equal
// to its postings), `replay verify` 100 %; liveness — every job terminal, or queued with a reason,
// and its usage priced and posted. A stuck job is described by where the log says it stopped,
// which names the service that did not act.
import { SUBSCRIPTIONS, topicNames, type events } from '@switchyard/contracts';
import type { EventLog, LoggedEvent } from '@switchyard/event-log';
import { decodeEvent, verifyLog } from '@switchyard/cli';
import type pg from 'pg';
import type { Acknowledged } from './workload.js';

export const TERMINAL_STATES = ['JOB_STATE_COMPLETED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED'];
const ENDS_ATTEMPT = new Set(['JobRequeued', 'JobFailed', 'JobCompleted', 'JobCancelled', 'JobExpired']);
const TERMINAL_EVENTS = new Set(['JobFailed', 'JobCompleted', 'JobCancelled', 'JobExpired']);

export interface StuckJob {
  readonly jobId: string;
  /** The job's state in intake's projection (what GetJob answers). */
  readonly state: string;
  /** The last event of the job in the log. */
  readonly lastEvent: string;
  readonly attempt: number;
  readonly providerId?: string;
  /** Seconds from that event's append to the check. */
  readonly sinceLastEventSeconds: number;
  /** Which part of the system did not act, read from the two above. */
  readonly diagnosis: string;
}

export interface Violation {
  readonly guarantee: string;
  readonly detail: string;
}

export interface Checks {
  readonly acknowledged: number;
  readonly lost: string[];
  readonly duplicatedJobs: string[];
  readonly overlappingPlacements: Violation[];
  readonly doubleMetered: Violation[];
  readonly ledger: {
    entries: number;
    postings: number;
    total: string;
    unbalancedPostings: string[];
    balanceMismatches: string[];
    accounts: number;
  };
  readonly replay: {
    classifications: [number, number];
    placements: [number, number];
    failures: [number, number];
    percent: number;
    mismatches: string[];
  };
  readonly states: Record<string, number>;
  readonly queuedWithReason: number;
  readonly stuck: StuckJob[];
  /** Completed or failed attempts whose reported usage was never priced, or priced but never posted. */
  readonly unpriced: string[];
  readonly unposted: string[];
  readonly logEvents: Record<string, number>;
  /** Each service's consumer group: records not yet consumed, per topic, at the check. */
  readonly consumerLag: Record<string, Record<string, number>>;
}

async function readTopic(log: EventLog, topic: string): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  for await (const e of log.read({ topic })) out.push(e);
  return out;
}

interface JobTrace {
  events: { name: string; message: Record<string, unknown>; appendedAt: Date }[];
  submittedIds: Set<string>;
}

export async function checkInvariants(input: {
  log: EventLog;
  topicPrefix: string;
  db: pg.Pool;
  acknowledged: readonly Acknowledged[];
}): Promise<Checks> {
  const names = topicNames(input.topicPrefix);
  const logEvents: Record<string, number> = {};
  const seen = new Set<string>();
  // Per job, its events in log order, each ce_id once (a relay may append an event twice: at least once).
  const jobs = new Map<string, JobTrace>();
  for (const logged of await readTopic(input.log, names.jobs)) {
    const decoded = decodeEvent(logged, 'jobs');
    logEvents[decoded.name] = (logEvents[decoded.name] ?? 0) + 1;
    const trace = jobs.get(logged.key) ?? { events: [], submittedIds: new Set<string>() };
    jobs.set(logged.key, trace);
    if (decoded.name === 'JobSubmitted') trace.submittedIds.add(logged.envelope.id);
    if (seen.has(logged.envelope.id)) continue;
    seen.add(logged.envelope.id);
    trace.events.push({ name: decoded.name, message: (decoded.message ?? {}) as Record<string, unknown>, appendedAt: logged.appendedAt });
  }

  // Lost / duplicated.
  const intakeRows = await input.db.query<{ id: string; state: string; idempotency_key: string }>(
    'SELECT id, state, idempotency_key FROM intake.jobs',
  );
  const byId = new Map(intakeRows.rows.map((r) => [r.id, r]));
  const lost = input.acknowledged.filter((a) => !jobs.get(a.jobId)?.submittedIds.size || !byId.has(a.jobId)).map((a) => a.jobId);
  const keys = new Map<string, string[]>();
  for (const a of input.acknowledged) keys.set(a.key, [...new Set([...(keys.get(a.key) ?? []), a.jobId])]);
  const duplicatedJobs = [
    ...[...keys.entries()].filter(([, ids]) => ids.length > 1).map(([key, ids]) => `key ${key}: jobs ${ids.join(', ')}`),
    ...[...jobs.entries()]
      .filter(([, t]) => t.submittedIds.size > 1)
      .map(([id, t]) => `job ${id}: ${t.submittedIds.size} JobSubmitted events`),
  ];

  // No run on two providers at once: a placement while another attempt is open, or two results.
  const overlappingPlacements: Violation[] = [];
  for (const [jobId, trace] of jobs) {
    let open: { attempt: number; provider: string } | undefined;
    const completedAttempts = new Set<number>();
    for (const e of trace.events) {
      if (e.name === 'JobPlaced') {
        const placed = e.message as unknown as events.JobPlaced;
        if (open && (open.provider !== placed.providerId || open.attempt !== placed.attempt)) {
          overlappingPlacements.push({
            guarantee: 'one run at a time',
            detail: `job ${jobId}: attempt ${placed.attempt} placed on ${placed.providerId} while attempt ${open.attempt} on ${open.provider} had not ended`,
          });
        }
        open = { attempt: placed.attempt, provider: placed.providerId };
      } else if (ENDS_ATTEMPT.has(e.name)) {
        if (e.name === 'JobCompleted') completedAttempts.add(Number((e.message as unknown as events.JobCompleted).attempt));
        open = undefined;
      }
    }
    if (completedAttempts.size > 1)
      overlappingPlacements.push({
        guarantee: 'one result per job',
        detail: `job ${jobId}: completed by attempts ${[...completedAttempts].join(', ')}`,
      });
  }

  // Usage: reported -> metered once -> posted once.
  const reported = new Map<string, { jobId: string; attempt: number }>();
  const meteredByReport = new Map<string, Set<string>>();
  const meteredByAttempt = new Map<string, Set<string>>();
  for (const logged of await readTopic(input.log, names.usage)) {
    const decoded = decodeEvent(logged, 'usage');
    logEvents[decoded.name] = (logEvents[decoded.name] ?? 0) + 1;
    if (decoded.name === 'UsageReported') {
      const r = decoded.message as events.UsageReported;
      reported.set(r.reportId, { jobId: r.jobId, attempt: r.attempt });
    } else if (decoded.name === 'UsageMetered') {
      const m = decoded.message as events.UsageMetered;
      const add = (map: Map<string, Set<string>>, key: string) => (map.get(key) ?? map.set(key, new Set()).get(key)!).add(m.usageId);
      add(meteredByReport, m.reportId);
      add(meteredByAttempt, `${m.jobId}#${m.attempt}`);
    }
  }
  const doubleMetered: Violation[] = [];
  for (const [report, ids] of meteredByReport)
    if (ids.size > 1) doubleMetered.push({ guarantee: 'metered once', detail: `report ${report}: usage ids ${[...ids].join(', ')}` });
  for (const [attempt, ids] of meteredByAttempt)
    if (ids.size > 1) doubleMetered.push({ guarantee: 'metered once', detail: `attempt ${attempt}: usage ids ${[...ids].join(', ')}` });
  const dbDouble = await input.db.query<{ job_id: string; attempt: number; n: string }>(
    'SELECT job_id, attempt, count(*) AS n FROM payout.ledger_usage GROUP BY job_id, attempt HAVING count(*) > 1',
  );
  for (const r of dbDouble.rows)
    doubleMetered.push({ guarantee: 'posted once', detail: `ledger_usage has ${r.n} rows for ${r.job_id}#${r.attempt}` });
  const meteringDouble = await input.db.query<{ job_id: string; attempt: number; n: string }>(
    'SELECT job_id, attempt, count(*) AS n FROM metering.usage_lines GROUP BY job_id, attempt HAVING count(*) > 1',
  );
  for (const r of meteringDouble.rows)
    doubleMetered.push({ guarantee: 'metered once', detail: `usage_lines has ${r.n} rows for ${r.job_id}#${r.attempt}` });

  const pricedReports = new Set(meteredByReport.keys());
  const unpriced = [...reported.entries()]
    .filter(([id]) => !pricedReports.has(id))
    .map(([id, r]) => `${r.jobId}#${r.attempt} (report ${id})`);
  const posted = new Set(
    (await input.db.query<{ usage_id: string }>('SELECT usage_id FROM payout.ledger_usage')).rows.map((r) => r.usage_id),
  );
  const unposted = [...meteredByReport.values()].flatMap((ids) => [...ids]).filter((id) => !posted.has(id));

  // The ledger: each posting sums to zero, so does the whole, and each kept balance equals its entries.
  const ledgerTotals = await input.db.query<{ entries: string; postings: string; total: string | null; accounts: string }>(
    'SELECT count(*) AS entries, count(DISTINCT posting_id) AS postings, sum(amount)::text AS total, count(DISTINCT account_id) AS accounts FROM payout.ledger_entries',
  );
  const unbalanced = await input.db.query<{ posting_id: string; total: string }>(
    'SELECT posting_id, sum(amount)::text AS total FROM payout.ledger_entries GROUP BY posting_id HAVING sum(amount) <> 0',
  );
  const balanceMismatches = await input.db.query<{ account_id: string; kept: string | null; summed: string | null }>(
    `SELECT coalesce(b.account_id, e.account_id) AS account_id, b.balance::text AS kept, e.summed::text AS summed
       FROM payout.ledger_balances b
       FULL JOIN (SELECT account_id, sum(amount) AS summed FROM payout.ledger_entries GROUP BY account_id) e ON e.account_id = b.account_id
      WHERE b.balance IS DISTINCT FROM e.summed AND NOT (b.balance = 0 AND e.summed IS NULL)`,
  );
  const totals = ledgerTotals.rows[0]!;

  // replay verify over the whole log, as `switchyard replay verify` runs it.
  const verify = await verifyLog(input.log, { topicPrefix: input.topicPrefix });
  const decided = verify.classifications.total + verify.placements.total + verify.failures.total;
  const reproduced = verify.classifications.reproduced + verify.placements.reproduced + verify.failures.reproduced;

  // Liveness.
  const states: Record<string, number> = {};
  const stuck: StuckJob[] = [];
  let queuedWithReason = 0;
  for (const a of input.acknowledged) {
    const row = byId.get(a.jobId);
    const state = row ? String(row.state) : 'MISSING';
    states[state] = (states[state] ?? 0) + 1;
    if (TERMINAL_STATES.includes(state)) continue;
    const trace = jobs.get(a.jobId)?.events ?? [];
    const last = trace[trace.length - 1];
    const lastEvent = last?.name ?? 'none';
    const attempt = Number(last?.message.attempt ?? 0);
    if (
      state === 'JOB_STATE_QUEUED' &&
      lastEvent === 'JobQueued' &&
      ((last!.message as unknown as events.JobQueued).reasons ?? []).length > 0
    ) {
      queuedWithReason += 1;
      continue;
    }
    const providerId = [...trace].reverse().find((e) => e.name === 'JobPlaced')?.message.providerId as string | undefined;
    const sinceLastEventSeconds = last ? Math.round((Date.now() - last.appendedAt.getTime()) / 1000) : 0;
    stuck.push({
      jobId: a.jobId,
      state,
      lastEvent,
      attempt,
      ...(providerId ? { providerId } : {}),
      sinceLastEventSeconds,
      diagnosis: diagnose(state, lastEvent),
    });
  }

  const consumerLag: Record<string, Record<string, number>> = {};
  for (const sub of SUBSCRIPTIONS) {
    for (const topic of sub.topics) {
      const lag = await input.log.admin.lag(sub.groupId, names[topic]).catch(() => undefined);
      (consumerLag[sub.service] ??= {})[topic] = lag === undefined ? -1 : lag.reduce((n, p) => n + p.lag, 0);
    }
  }

  return {
    consumerLag,
    acknowledged: input.acknowledged.length,
    lost: [...new Set(lost)],
    duplicatedJobs,
    overlappingPlacements,
    doubleMetered,
    ledger: {
      entries: Number(totals.entries),
      postings: Number(totals.postings),
      total: totals.total ?? '0',
      accounts: Number(totals.accounts),
      unbalancedPostings: unbalanced.rows.map((r) => `${r.posting_id}: ${r.total}`),
      balanceMismatches: balanceMismatches.rows.map((r) => `${r.account_id}: kept ${r.kept}, entries sum ${r.summed}`),
    },
    replay: {
      classifications: [verify.classifications.reproduced, verify.classifications.total],
      placements: [verify.placements.reproduced, verify.placements.total],
      failures: [verify.failures.reproduced, verify.failures.total],
      percent: decided === 0 ? 100 : Math.floor((reproduced * 10_000) / decided) / 100,
      mismatches: verify.mismatches
        .slice(0, 20)
        .map((m) => `${m.decision} ${m.jobId}${m.attempt ? `#${m.attempt}` : ''}: ${m.differences.join('; ')}`),
    },
    states,
    queuedWithReason,
    stuck,
    unpriced,
    unposted,
    logEvents,
  };
}

function diagnose(state: string, lastEvent: string): string {
  if (TERMINAL_EVENTS.has(lastEvent)) return `intake's projection did not apply ${lastEvent} (intake consumer behind the log)`;
  switch (lastEvent) {
    case 'none':
      return 'no event in the log (intake accepted it but never appended JobSubmitted)';
    case 'JobSubmitted':
      return 'classifier did not classify it (classifier consumer behind the log)';
    case 'JobClassified':
    case 'JobRequeued':
    case 'JobExclusionRelaxed':
      return `placement did not place or queue it after ${lastEvent} (placement consumer or scheduler not running)`;
    case 'JobQueued':
      return state === 'JOB_STATE_QUEUED' ? 'queued without a reason' : `intake shows ${state} after JobQueued (intake behind the log)`;
    case 'JobPlaced':
      return 'placed but never started, and not requeued (the provider dropped or never received the assignment; the shipped start timeout, BATCH 300 s, is longer than the bounded wait)';
    case 'JobStarted':
      return 'started but no result and not requeued (provider report lost; reconciliation did not act)';
    default:
      return `last event ${lastEvent}`;
  }
}

/** Counts of acknowledged jobs by intake state, for the wait until the system is quiet. */
export async function stateCounts(db: pg.Pool, jobIds: readonly string[]): Promise<Record<string, number>> {
  const rows = await db.query<{ state: string; n: string }>(
    'SELECT state, count(*) AS n FROM intake.jobs WHERE id = ANY($1::uuid[]) GROUP BY state',
    [jobIds],
  );
  return Object.fromEntries(rows.rows.map((r) => [r.state, Number(r.n)]));
}
