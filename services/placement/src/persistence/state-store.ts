// The scheduler's state in the tables: loaded whole when an instance becomes the leader (or after
// a failed cycle), written back per cycle for exactly the providers and jobs the cycle changed.
// The rows are a snapshot of the in-memory fold, never edited by hand: every statement below is
// a batch (unnest of arrays), so a cycle costs the same few round trips however much it decided.
import { api } from '@switchyard/contracts';
import type { EventEnvelope, LoggedEvent } from '@switchyard/event-log';
import { withDataschema } from '@switchyard/event-runtime';
import type pg from 'pg';
import {
  dependencyState,
  isPlacedTier,
  registryOf,
  type ActiveJob,
  type ActiveJobState,
  type JobOutcome,
  type ProviderRegistry,
  type ProviderState,
  type ProviderStatus,
} from '../domain/index.js';
import type { CycleEffects, PastAttempt, StreamItem } from '../engine/cycle.js';

const LIVE_STATES: readonly ActiveJobState[] = ['SUBMITTED', 'CLASSIFIED', 'QUEUED', 'PLACED', 'RUNNING', 'REQUEUED'];

export interface LoadedState {
  readonly registry: ProviderRegistry;
  /** Provider id → SHA-256 of its current token. */
  readonly tokens: Map<string, string>;
  readonly registeredAtMs: Map<string, number>;
  /** Live jobs' attempts: job id → attempt → provider and the report kinds applied. */
  readonly attempts: Map<string, Map<number, { providerId: string; reported: Set<string> }>>;
}

interface ProviderRow {
  provider_id: string;
  operator_id: string;
  endpoint: string;
  region: string;
  jurisdiction: string;
  gpus: api.GpuInventory[];
  price: string;
  advertised_latency_ms: number;
  status: ProviderStatus;
  health: string;
  total_gpus: number;
  reported_gpus_in_use: number;
  last_heartbeat_at: Date;
  sequence: string;
  missed_heartbeats: number;
  completions: number;
  failures: number;
  losses: number;
  misclaims: number;
  registered_at: Date;
  token_hash: string;
  ingress_mbps: number;
  transfer_price: string;
  held_digests: string[];
}

/** A gang's attempt is reported by its lead: the other members' assignments are not in the attempt book. */
const LEAD_ONLY = `(a.gang IS NULL OR a.gang->>'leadProviderId' = a.provider_id)`;

interface JobRow {
  job_id: string;
  tenant_id: string;
  spec: unknown;
  tier: string | null;
  state: ActiveJobState;
  attempt: number;
  provider_id: string | null;
  operator_id: string | null;
  gang_members: api.GangMember[];
  excluded_provider_ids: string[];
  submitted_at: Date;
  placed_at: Date | null;
  waiting_since: Date | null;
}

/** Reads providers, reservations and live jobs. `graceFromMs`: heartbeats count as heard no earlier than this (a takeover). */
export async function loadState(client: pg.ClientBase, graceFromMs: number): Promise<LoadedState> {
  const providers = await client.query<ProviderRow>(
    `SELECT provider_id, operator_id, endpoint, region, jurisdiction, gpus, price_per_gpu_hour_base_units::text AS price,
            advertised_latency_ms, status, health, total_gpus, reported_gpus_in_use, last_heartbeat_at,
            last_heartbeat_sequence::text AS sequence, missed_heartbeats, completions, failures, losses, misclaims, registered_at, token_hash,
            ingress_mbps, transfer_price_per_gb_base_units::text AS transfer_price, held_digests
       FROM providers`,
  );
  const reserved = await client.query<{ provider_id: string; gpu_class: string; reserved: number }>(
    'SELECT provider_id, gpu_class, reserved FROM provider_capacity WHERE reserved > 0',
  );
  const placed = new Map<string, Record<string, number>>();
  for (const r of reserved.rows) placed.set(r.provider_id, { ...placed.get(r.provider_id), [r.gpu_class]: r.reserved });
  const jobs = await client.query<JobRow>(
    `SELECT job_id, tenant_id, spec, tier, state, attempt, provider_id, operator_id, gang_members, excluded_provider_ids, submitted_at, placed_at, waiting_since
       FROM jobs WHERE state = ANY($1::text[])`,
    [LIVE_STATES],
  );
  const attemptRows = await client.query<{ job_id: string; attempt: number; provider_id: string; kinds: string[] }>(
    `SELECT a.job_id, a.attempt, a.provider_id,
            COALESCE(array_agg(r.kind) FILTER (WHERE r.kind IS NOT NULL), '{}') AS kinds
       FROM assignments a
       JOIN jobs j ON j.job_id = a.job_id AND j.state = ANY($1::text[])
       LEFT JOIN attempt_reports r ON r.job_id = a.job_id AND r.attempt = a.attempt
      WHERE a.kind = 'ASSIGN' AND ${LEAD_ONLY}
      GROUP BY a.job_id, a.attempt, a.provider_id`,
    [LIVE_STATES],
  );
  const tokens = new Map<string, string>();
  const registeredAtMs = new Map<string, number>();
  const providerStates = providers.rows.map((row): ProviderState => {
    tokens.set(row.provider_id, row.token_hash);
    registeredAtMs.set(row.provider_id, row.registered_at.getTime());
    return {
      providerId: row.provider_id,
      operatorId: row.operator_id,
      endpoint: row.endpoint,
      region: row.region,
      jurisdiction: row.jurisdiction,
      gpus: row.gpus.map((g) => api.GpuInventory.fromJSON(g)),
      pricePerGpuHour: BigInt(row.price),
      advertisedLatencyMs: row.advertised_latency_ms,
      health: row.health as api.HealthStatus,
      status: row.status,
      totalGpus: row.total_gpus,
      reportedGpusInUse: row.reported_gpus_in_use,
      placedGpusByClass: placed.get(row.provider_id) ?? {},
      lastHeartbeatAtMs: Math.max(row.last_heartbeat_at.getTime(), graceFromMs),
      heartbeatSequence: row.sequence,
      missedHeartbeats: row.missed_heartbeats,
      track: { completions: row.completions, failures: row.failures, losses: row.losses, misclaims: row.misclaims },
      ingressMbps: row.ingress_mbps,
      transferPricePerGb: BigInt(row.transfer_price),
      heldDigests: new Set(row.held_digests),
    };
  });
  // Pipeline steps: what became of the jobs they depend on (those still live are among `jobs`).
  const specs = new Map(jobs.rows.map((row) => [row.job_id, api.JobSpec.fromJSON(row.spec)]));
  const outcomes = await loadOutcomes(
    client,
    [...specs.values()].flatMap((spec) => spec.dependsOn.map((d) => d.jobId)),
  );
  const jobStates = jobs.rows.map((row): ActiveJob => {
    const tier = row.tier === null ? undefined : (row.tier as api.Tier);
    const spec = specs.get(row.job_id)!;
    const { waitingFor, producers } = dependencyState(spec, outcomes);
    return {
      jobId: row.job_id,
      tenantId: row.tenant_id,
      tier: tier !== undefined && isPlacedTier(tier) ? tier : undefined,
      spec,
      state: row.state,
      attempt: row.attempt,
      providerId: row.provider_id ?? undefined,
      operatorId: row.operator_id ?? undefined,
      gangMembers: row.gang_members.map((m) => api.GangMember.fromJSON(m)),
      excludedProviderIds: row.excluded_provider_ids,
      submittedAtMs: row.submitted_at.getTime(),
      // A takeover restarts the clocks at the earliest from now: the old leader's last moments are unknown.
      placedAtMs: row.placed_at === null ? 0 : Math.max(row.placed_at.getTime(), Math.min(graceFromMs, Date.now())),
      waitingSinceMs: row.waiting_since === null ? 0 : row.waiting_since.getTime(),
      waitingFor,
      producers,
    };
  });
  const attempts: LoadedState['attempts'] = new Map();
  for (const row of attemptRows.rows) {
    let byAttempt = attempts.get(row.job_id);
    if (byAttempt === undefined) attempts.set(row.job_id, (byAttempt = new Map()));
    byAttempt.set(row.attempt, { providerId: row.provider_id, reported: new Set(row.kinds) });
  }
  return { registry: registryOf(providerStates, jobStates), tokens, registeredAtMs, attempts };
}

const ENDED_STATES: readonly JobOutcome['state'][] = ['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'];

/** How those of `jobIds` that ended ended (the jobs that depend on them wait for, or fail with, them). */
export async function loadOutcomes(client: pg.ClientBase, jobIds: readonly string[]): Promise<Map<string, JobOutcome>> {
  const outcomes = new Map<string, JobOutcome>();
  if (jobIds.length === 0) return outcomes;
  const { rows } = await client.query<{ job_id: string; state: JobOutcome['state']; provider_id: string | null }>(
    'SELECT job_id, state, provider_id FROM jobs WHERE job_id = ANY($1::text[]) AND state = ANY($2::text[])',
    [[...new Set(jobIds)], ENDED_STATES],
  );
  for (const row of rows)
    outcomes.set(row.job_id, { state: row.state, providerId: row.state === 'COMPLETED' ? (row.provider_id ?? '') : '' });
  return outcomes;
}

/** Finished jobs' attempts (for reports that arrive after the job ended), per job and attempt. */
export async function loadPastAttempts(client: pg.ClientBase, jobIds: readonly string[]): Promise<Map<string, Map<number, PastAttempt>>> {
  const result = new Map<string, Map<number, PastAttempt>>();
  if (jobIds.length === 0) return result;
  const { rows } = await client.query<{ job_id: string; attempt: number; provider_id: string; kinds: string[] }>(
    `SELECT a.job_id, a.attempt, a.provider_id,
            COALESCE(array_agg(r.kind) FILTER (WHERE r.kind IS NOT NULL), '{}') AS kinds
       FROM assignments a LEFT JOIN attempt_reports r ON r.job_id = a.job_id AND r.attempt = a.attempt
      WHERE a.kind = 'ASSIGN' AND ${LEAD_ONLY} AND a.job_id = ANY($1::text[])
      GROUP BY a.job_id, a.attempt, a.provider_id`,
    [jobIds],
  );
  for (const row of rows) {
    let byAttempt = result.get(row.job_id);
    if (byAttempt === undefined) result.set(row.job_id, (byAttempt = new Map()));
    byAttempt.set(row.attempt, { providerId: row.provider_id, reportedKinds: row.kinds });
  }
  return result;
}

/** Claims consumed events for the group; returns the ids not applied before. */
export async function claimInbox(client: pg.ClientBase, groupId: string, events: readonly LoggedEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const { rows } = await client.query<{ event_id: string }>(
    `INSERT INTO event_inbox (consumer_group, event_id, event_type, topic, partition, "offset")
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[])
     ON CONFLICT (consumer_group, event_id) DO NOTHING
     RETURNING event_id`,
    [
      groupId,
      events.map((e) => e.envelope.id),
      events.map((e) => e.envelope.type),
      events.map((e) => e.topic),
      events.map((e) => e.partition),
      events.map((e) => e.offset),
    ],
  );
  return new Set(rows.map((r) => r.event_id));
}

export interface SnapshotContext {
  readonly registry: ProviderRegistry;
  readonly tokens: ReadonlyMap<string, string>;
  readonly registeredAtMs: ReadonlyMap<string, number>;
  readonly topics: { readonly jobs: string; readonly providers: string; readonly usage: string };
}

export interface WrittenStream {
  readonly seq: string;
  readonly item: StreamItem;
}

/** Writes what a cycle changed, in the cycle's transaction. Returns the stream items with their seqs. */
export async function writeCycle(client: pg.ClientBase, effects: CycleEffects, context: SnapshotContext): Promise<WrittenStream[]> {
  await writeProviders(client, effects, context);
  await writeJobs(client, effects, context.registry);
  const stream = await writeStream(client, effects.stream);
  if (effects.attemptReports.length > 0) {
    await client.query(
      `INSERT INTO attempt_reports (job_id, attempt, kind, provider_id, reported_at)
       SELECT j, a, k, p, to_timestamp(t / 1000.0) FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::float8[]) AS x(j, a, k, p, t)
       ON CONFLICT DO NOTHING`,
      [
        effects.attemptReports.map((r) => r.jobId),
        effects.attemptReports.map((r) => r.attempt),
        effects.attemptReports.map((r) => r.kind),
        effects.attemptReports.map((r) => r.providerId),
        effects.attemptReports.map((r) => r.reportedAtMs),
      ],
    );
  }
  let usage: EventEnvelope[] = [];
  if (effects.usage.length > 0) {
    const { rows } = await client.query<{ report_id: string }>(
      `INSERT INTO usage_reports (report_id, job_id, attempt, provider_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[])
       ON CONFLICT (report_id) DO NOTHING RETURNING report_id`,
      [
        effects.usage.map((u) => u.reportId),
        effects.usage.map((u) => u.jobId),
        effects.usage.map((u) => u.attempt),
        effects.usage.map((u) => u.providerId),
      ],
    );
    const fresh = new Set(rows.map((r) => r.report_id));
    usage = effects.usage.filter((u) => fresh.has(u.reportId)).map((u) => u.envelope);
  }
  await writeOutbox(client, [
    ...effects.providerEvents.map((envelope) => ({ topic: context.topics.providers, envelope })),
    ...effects.jobEvents.map((envelope) => ({ topic: context.topics.jobs, envelope })),
    ...usage.map((envelope) => ({ topic: context.topics.usage, envelope })),
  ]);
  return stream;
}

async function writeProviders(client: pg.ClientBase, effects: CycleEffects, context: SnapshotContext): Promise<void> {
  const providers = [...effects.touched.providers].flatMap((id) => {
    const p = context.registry.providers.get(id);
    return p === undefined ? [] : [p];
  });
  if (providers.length === 0) return;
  const col = <T>(f: (p: ProviderState) => T): T[] => providers.map(f);
  await client.query(
    `INSERT INTO providers (provider_id, operator_id, endpoint, region, jurisdiction, gpus, price_per_gpu_hour_base_units,
                            advertised_latency_ms, token_hash, status, health, total_gpus, reported_gpus_in_use,
                            last_heartbeat_at, last_heartbeat_sequence, missed_heartbeats, completions, failures, losses, registered_at,
                            ingress_mbps, transfer_price_per_gb_base_units, held_digests, misclaims)
     SELECT id, op, ep, rg, ju, g::jsonb, pr::bigint, lat, tok, st, he, tot, used, to_timestamp(hb / 1000.0), sq::numeric, mi, co, fa, lo, to_timestamp(reg / 1000.0),
            bw, tp::bigint, ARRAY(SELECT jsonb_array_elements_text(hd::jsonb)), mc
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[],
                   $11::text[], $12::int[], $13::int[], $14::float8[], $15::text[], $16::int[], $17::int[], $18::int[], $19::int[], $20::float8[],
                   $21::int[], $22::text[], $23::text[], $24::int[])
            AS t(id, op, ep, rg, ju, g, pr, lat, tok, st, he, tot, used, hb, sq, mi, co, fa, lo, reg, bw, tp, hd, mc)
     ON CONFLICT (provider_id) DO UPDATE SET
       region = EXCLUDED.region, jurisdiction = EXCLUDED.jurisdiction, gpus = EXCLUDED.gpus,
       price_per_gpu_hour_base_units = EXCLUDED.price_per_gpu_hour_base_units, advertised_latency_ms = EXCLUDED.advertised_latency_ms,
       token_hash = EXCLUDED.token_hash, status = EXCLUDED.status, health = EXCLUDED.health, total_gpus = EXCLUDED.total_gpus,
       reported_gpus_in_use = EXCLUDED.reported_gpus_in_use, last_heartbeat_at = EXCLUDED.last_heartbeat_at,
       last_heartbeat_sequence = EXCLUDED.last_heartbeat_sequence, missed_heartbeats = EXCLUDED.missed_heartbeats,
       completions = EXCLUDED.completions, failures = EXCLUDED.failures, losses = EXCLUDED.losses,
       ingress_mbps = EXCLUDED.ingress_mbps, transfer_price_per_gb_base_units = EXCLUDED.transfer_price_per_gb_base_units,
       held_digests = EXCLUDED.held_digests, misclaims = EXCLUDED.misclaims`,
    [
      col((p) => p.providerId),
      col((p) => p.operatorId),
      col((p) => p.endpoint),
      col((p) => p.region),
      col((p) => p.jurisdiction),
      col((p) => JSON.stringify(p.gpus.map((g) => api.GpuInventory.toJSON(g)))),
      col((p) => p.pricePerGpuHour.toString()),
      col((p) => p.advertisedLatencyMs),
      col((p) => context.tokens.get(p.providerId) ?? ''),
      col((p) => p.status),
      col((p) => p.health),
      col((p) => p.totalGpus),
      col((p) => p.reportedGpusInUse),
      col((p) => p.lastHeartbeatAtMs),
      col((p) => p.heartbeatSequence),
      col((p) => p.missedHeartbeats),
      col((p) => p.track.completions),
      col((p) => p.track.failures),
      col((p) => p.track.losses),
      col((p) => context.registeredAtMs.get(p.providerId) ?? p.lastHeartbeatAtMs),
      col((p) => p.ingressMbps),
      col((p) => p.transferPricePerGb.toString()),
      // One JSON array per provider: unnest cannot take an array of arrays of varying length.
      col((p) => JSON.stringify([...p.heldDigests].sort())),
      col((p) => p.track.misclaims),
    ],
  );
  // Capacity rows: one per class offered or still held; the CHECK (reserved <= total) is the backstop.
  const capacity = providers.flatMap((p) => {
    const totals = new Map<string, number>();
    for (const g of p.gpus) totals.set(g.gpuClass, (totals.get(g.gpuClass) ?? 0) + g.count);
    for (const gpuClass of Object.keys(p.placedGpusByClass)) if (!totals.has(gpuClass)) totals.set(gpuClass, 0);
    return [...totals].map(([gpuClass, total]) => ({
      providerId: p.providerId,
      gpuClass,
      total,
      reserved: p.placedGpusByClass[gpuClass] ?? 0,
    }));
  });
  await client.query(
    `INSERT INTO provider_capacity (provider_id, gpu_class, total, reserved)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[])
     ON CONFLICT (provider_id, gpu_class) DO UPDATE SET total = EXCLUDED.total, reserved = EXCLUDED.reserved`,
    [capacity.map((c) => c.providerId), capacity.map((c) => c.gpuClass), capacity.map((c) => c.total), capacity.map((c) => c.reserved)],
  );
  await client.query(
    `UPDATE provider_capacity c SET total = 0
       FROM unnest($1::text[]) AS t(id)
      WHERE c.provider_id = t.id AND c.reserved = 0 AND NOT ((c.provider_id || '/' || c.gpu_class) = ANY($2::text[]))`,
    [providers.map((p) => p.providerId), capacity.map((c) => `${c.providerId}/${c.gpuClass}`)],
  );
}

interface JobRecord {
  readonly job: ActiveJob;
  readonly state: string;
  readonly holding: boolean;
}

async function writeJobs(client: pg.ClientBase, effects: CycleEffects, registry: ProviderRegistry): Promise<void> {
  const records: JobRecord[] = [];
  const seen = new Set<string>();
  for (const [jobId, finished] of effects.finished) {
    records.push({ job: finished.last, state: finished.state, holding: false });
    seen.add(jobId);
  }
  for (const jobId of effects.touched.jobs) {
    if (seen.has(jobId)) continue;
    const job = registry.jobs.get(jobId);
    if (job === undefined) continue;
    records.push({ job, state: job.state, holding: job.state === 'PLACED' || job.state === 'RUNNING' });
  }
  if (records.length === 0) return;
  const fresh = records.filter((r) => effects.newJobs.has(r.job.jobId));
  if (fresh.length > 0) {
    const spec = (job: ActiveJob) => JSON.stringify(api.JobSpec.toJSON(job.spec));
    await client.query(
      `INSERT INTO jobs (job_id, tenant_id, spec, state, submitted_at, deadline)
       SELECT j, t, s::jsonb, 'SUBMITTED', to_timestamp(at / 1000.0), CASE WHEN d IS NULL THEN NULL ELSE to_timestamp(d / 1000.0) END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[]) AS x(j, t, s, at, d)
       ON CONFLICT (job_id) DO NOTHING`,
      [
        fresh.map((r) => r.job.jobId),
        fresh.map((r) => r.job.tenantId),
        fresh.map((r) => spec(r.job)),
        fresh.map((r) => r.job.submittedAtMs),
        fresh.map((r) =>
          r.job.spec.deadline ? Number(r.job.spec.deadline.seconds) * 1000 + Math.floor(r.job.spec.deadline.nanos / 1e6) : null,
        ),
      ],
    );
  }
  await client.query(
    `UPDATE jobs SET state = x.s, tier = x.ti, attempt = x.a, provider_id = x.p, operator_id = x.o, gang_members = x.gm,
                     reserved_gpu_class = x.rc, reserved_gpus = x.rg, excluded_provider_ids = COALESCE(x.ex, '{}'), updated_at = now(),
                     placed_at = CASE WHEN x.pa > 0 THEN to_timestamp(x.pa / 1000.0) END,
                     waiting_since = CASE WHEN x.ws > 0 THEN to_timestamp(x.ws / 1000.0) END
       FROM (SELECT j, s, ti, a, p, o, rc, rg, string_to_array(NULLIF(ex, ''), ',') AS ex, pa, ws, gm::jsonb AS gm
               FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::float8[], $11::float8[], $12::text[])
                    AS u(j, s, ti, a, p, o, rc, rg, ex, pa, ws, gm)) AS x
      WHERE jobs.job_id = x.j`,
    [
      records.map((r) => r.job.jobId),
      records.map((r) => r.state),
      records.map((r) => r.job.tier ?? null),
      records.map((r) => r.job.attempt),
      records.map((r) => r.job.providerId ?? null),
      records.map((r) => r.job.operatorId ?? null),
      records.map((r) => (r.holding ? r.job.spec.gpuClass : null)),
      records.map((r) => (r.holding ? Math.max(1, r.job.spec.gpuCount) : 0)),
      records.map((r) => r.job.excludedProviderIds.join(',')),
      records.map((r) => r.job.placedAtMs),
      records.map((r) => r.job.waitingSinceMs),
      records.map((r) => JSON.stringify(r.holding ? r.job.gangMembers.map((m) => api.GangMember.toJSON(m)) : [])),
    ],
  );
}

async function writeStream(client: pg.ClientBase, items: readonly StreamItem[]): Promise<WrittenStream[]> {
  if (items.length === 0) return [];
  const { rows } = await client.query<{ seq: string }>(
    `INSERT INTO assignments (provider_id, job_id, attempt, kind, stop_reason, tier, spec, gang)
     SELECT p, j, a, k, r, t, s::jsonb, g::jsonb FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS x(p, j, a, k, r, t, s, g, n)
     ORDER BY n
     RETURNING seq::text`,
    [
      items.map((i) => i.providerId),
      items.map((i) => i.jobId),
      items.map((i) => i.attempt),
      items.map((i) => i.kind),
      items.map((i) => (i.kind === 'STOP' ? i.reason : null)),
      items.map((i) => (i.kind === 'ASSIGN' ? i.tier : null)),
      items.map((i) => (i.kind === 'ASSIGN' ? JSON.stringify(api.JobSpec.toJSON(i.spec)) : null)),
      items.map((i) => (i.kind === 'ASSIGN' && i.gang !== undefined ? JSON.stringify(api.GangAssignment.toJSON(i.gang)) : null)),
    ],
  );
  // Sequence values are drawn in insertion order; one writer (the leader) commits at a time.
  const seqs = rows.map((r) => BigInt(r.seq)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await client.query(`SELECT pg_notify('placement_assignments_' || current_schema(), $1)`, [seqs[seqs.length - 1]!.toString()]);
  return items.map((item, i) => ({ seq: seqs[i]!.toString(), item }));
}

async function writeOutbox(client: pg.ClientBase, rows: readonly { topic: string; envelope: EventEnvelope }[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query('INSERT INTO event_outbox (topic, event_id, envelope) SELECT * FROM unnest($1::text[], $2::text[], $3::json[])', [
    rows.map((r) => r.topic),
    rows.map((r) => r.envelope.id),
    rows.map((r) => JSON.stringify(withDataschema(r.envelope))),
  ]);
}
