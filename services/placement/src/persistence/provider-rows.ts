// The providers table (registry, credentials, liveness) and provider_capacity (the reservations).
import { api } from '@switchyard/contracts';
import type { EntityManager } from 'typeorm';
import type { ProviderState, ProviderStatus } from '../domain/index.js';
import { rows, run } from './sql.js';

export interface ProviderRow {
  providerId: string;
  operatorId: string;
  endpoint: string;
  region: string;
  jurisdiction: string;
  gpus: api.GpuInventory[];
  pricePerGpuHourBaseUnits: string;
  advertisedLatencyMs: number;
  status: ProviderStatus;
  health: api.HealthStatus;
  totalGpus: number;
  reportedGpusInUse: number;
  lastHeartbeatAt: Date;
  lastHeartbeatSequence: string;
  missedHeartbeats: number;
  completions: number;
  failures: number;
  losses: number;
  registeredAt: Date;
}

interface RawProvider {
  provider_id: string;
  operator_id: string;
  endpoint: string;
  region: string;
  jurisdiction: string;
  gpus: api.GpuInventory[];
  price_per_gpu_hour_base_units: string;
  advertised_latency_ms: number;
  status: ProviderStatus;
  health: string;
  total_gpus: number;
  reported_gpus_in_use: number;
  last_heartbeat_at: Date;
  last_heartbeat_sequence: string;
  missed_heartbeats: number;
  completions: number;
  failures: number;
  losses: number;
  registered_at: Date;
}

const COLUMNS = `provider_id, operator_id, endpoint, region, jurisdiction, gpus, price_per_gpu_hour_base_units::text,
  advertised_latency_ms, status, health, total_gpus, reported_gpus_in_use, last_heartbeat_at,
  last_heartbeat_sequence::text, missed_heartbeats, completions, failures, losses, registered_at`;

export interface NewProvider {
  providerId: string;
  operatorId: string;
  endpoint: string;
  region: string;
  jurisdiction: string;
  gpus: readonly api.GpuInventory[];
  pricePerGpuHourBaseUnits: string;
  advertisedLatencyMs: number;
  tokenHash: string;
  registeredAt: Date;
}

export async function insertProvider(manager: EntityManager, p: NewProvider): Promise<boolean> {
  const { count } = await run(
    manager,
    `INSERT INTO providers (provider_id, operator_id, endpoint, region, jurisdiction, gpus, price_per_gpu_hour_base_units,
       advertised_latency_ms, token_hash, status, health, total_gpus, last_heartbeat_at, registered_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, 'ACTIVE', $10, $11, $12, $12)
     ON CONFLICT (operator_id, endpoint) DO NOTHING`,
    [
      p.providerId, p.operatorId, p.endpoint, p.region, p.jurisdiction, JSON.stringify(p.gpus), p.pricePerGpuHourBaseUnits,
      p.advertisedLatencyMs, p.tokenHash, api.HealthStatus.HEALTH_STATUS_HEALTHY, sumGpus(p.gpus), p.registeredAt,
    ],
  );
  return count === 1;
}

/**
 * Re-registration: new offer and token; keeps liveness, track record and reservations. The
 * heartbeat sequence starts over, so a provider that restarted its counter is heard again.
 */
export async function updateProviderOffer(manager: EntityManager, p: NewProvider): Promise<void> {
  await run(
    manager,
    `UPDATE providers SET region = $2, jurisdiction = $3, gpus = $4::jsonb, price_per_gpu_hour_base_units = $5,
       advertised_latency_ms = $6, token_hash = $7, total_gpus = $8, last_heartbeat_sequence = 0
     WHERE provider_id = $1`,
    [p.providerId, p.region, p.jurisdiction, JSON.stringify(p.gpus), p.pricePerGpuHourBaseUnits, p.advertisedLatencyMs, p.tokenHash, sumGpus(p.gpus)],
  );
}

export async function lockProviderByEndpoint(manager: EntityManager, operatorId: string, endpoint: string): Promise<ProviderRow | undefined> {
  const [raw] = await rows<RawProvider>(manager, `SELECT ${COLUMNS} FROM providers WHERE operator_id = $1 AND endpoint = $2 FOR UPDATE`, [
    operatorId,
    endpoint,
  ]);
  return raw && providerOfRow(raw);
}

export async function lockProvider(manager: EntityManager, providerId: string): Promise<ProviderRow | undefined> {
  const [raw] = await rows<RawProvider>(manager, `SELECT ${COLUMNS} FROM providers WHERE provider_id = $1 FOR UPDATE`, [providerId]);
  return raw && providerOfRow(raw);
}

export async function providerIdOfToken(manager: EntityManager, tokenHash: string): Promise<{ providerId: string; operatorId: string } | undefined> {
  const [raw] = await rows<{ provider_id: string; operator_id: string }>(
    manager,
    'SELECT provider_id, operator_id FROM providers WHERE token_hash = $1',
    [tokenHash],
  );
  return raw && { providerId: raw.provider_id, operatorId: raw.operator_id };
}

export async function allProviders(manager: EntityManager): Promise<ProviderRow[]> {
  return (await rows<RawProvider>(manager, `SELECT ${COLUMNS} FROM providers ORDER BY provider_id`)).map(providerOfRow);
}

export interface HeartbeatChange {
  at: Date;
  sequence: string;
  gpusInUse: number;
  health: api.HealthStatus;
}

export async function recordHeartbeat(manager: EntityManager, providerId: string, beat: HeartbeatChange): Promise<void> {
  await run(
    manager,
    `UPDATE providers SET last_heartbeat_at = GREATEST(last_heartbeat_at, $2), last_heartbeat_sequence = $3,
       reported_gpus_in_use = $4, health = $5, status = 'ACTIVE', missed_heartbeats = 0
     WHERE provider_id = $1`,
    [providerId, beat.at, beat.sequence, beat.gpusInUse, beat.health],
  );
}

/**
 * A liveness transition, applied only if no heartbeat arrived since the sweep read the provider
 * (same last_heartbeat_at: a heartbeat racing the sweep wins) and the provider is still in a
 * state the transition starts from (two sweeps racing apply it once). Returns whether it applied.
 */
export async function markLiveness(
  manager: EntityManager,
  providerId: string,
  seenHeartbeatAt: Date,
  change: { status: ProviderStatus; missedHeartbeats?: number; lost?: boolean },
): Promise<boolean> {
  const from: Record<ProviderStatus, string> = {
    SUSPECT: `status <> 'LOST' AND missed_heartbeats < $4`,
    LOST: `status <> 'LOST'`,
    ACTIVE: `status <> 'ACTIVE'`,
  };
  const { count } = await run(
    manager,
    `UPDATE providers SET status = $3, missed_heartbeats = COALESCE($4, missed_heartbeats), losses = losses + $5
     WHERE provider_id = $1 AND last_heartbeat_at = $2 AND ${from[change.status]}`,
    [providerId, seenHeartbeatAt, change.status, change.missedHeartbeats ?? null, change.lost ? 1 : 0],
  );
  return count === 1;
}

export async function addToTrackRecord(manager: EntityManager, providerId: string, counter: 'completions' | 'failures'): Promise<void> {
  await run(manager, `UPDATE providers SET ${counter} = ${counter} + 1 WHERE provider_id = $1`, [providerId]);
}

/** Sets each GPU class's total; a class no longer offered drops to 0. Fails (CHECK) below what is reserved. */
export async function setCapacityTotals(manager: EntityManager, providerId: string, gpus: readonly api.GpuInventory[]): Promise<void> {
  const byClass = new Map<string, number>();
  for (const g of gpus) byClass.set(g.gpuClass, (byClass.get(g.gpuClass) ?? 0) + g.count);
  await run(manager, `UPDATE provider_capacity SET total = 0 WHERE provider_id = $1 AND NOT (gpu_class = ANY($2::text[]))`, [
    providerId,
    [...byClass.keys()],
  ]);
  for (const [gpuClass, total] of byClass) {
    await run(
      manager,
      `INSERT INTO provider_capacity (provider_id, gpu_class, total) VALUES ($1, $2, $3)
       ON CONFLICT (provider_id, gpu_class) DO UPDATE SET total = EXCLUDED.total`,
      [providerId, gpuClass, total],
    );
  }
}

/**
 * Takes `gpus` GPUs of a class on a provider if they are free *now*: the WHERE clause is evaluated
 * on the latest committed row (a concurrent reservation holds the row lock until it commits, and
 * this statement re-checks after it), and the CHECK constraint backs it up. False: lost the race.
 */
export async function reserveGpus(manager: EntityManager, providerId: string, gpuClass: string, gpus: number): Promise<boolean> {
  const { count } = await run(
    manager,
    `UPDATE provider_capacity SET reserved = reserved + $3
     WHERE provider_id = $1 AND gpu_class = $2 AND reserved + $3 <= total`,
    [providerId, gpuClass, gpus],
  );
  return count === 1;
}

export async function releaseGpus(manager: EntityManager, providerId: string, gpuClass: string, gpus: number): Promise<void> {
  const { count } = await run(
    manager,
    'UPDATE provider_capacity SET reserved = reserved - $3 WHERE provider_id = $1 AND gpu_class = $2',
    [providerId, gpuClass, gpus],
  );
  if (count !== 1) throw new Error(`no capacity row for provider ${providerId} class ${gpuClass} to release ${gpus} GPUs from`);
}

export async function reservedByProvider(manager: EntityManager): Promise<Map<string, Record<string, number>>> {
  const raws = await rows<{ provider_id: string; gpu_class: string; reserved: number }>(
    manager,
    'SELECT provider_id, gpu_class, reserved FROM provider_capacity WHERE reserved > 0',
  );
  const result = new Map<string, Record<string, number>>();
  for (const r of raws) result.set(r.provider_id, { ...result.get(r.provider_id), [r.gpu_class]: r.reserved });
  return result;
}

/** The registry's view of a provider; Switchyard's own placements come from provider_capacity. */
export function providerStateOf(row: ProviderRow, placedGpusByClass: Readonly<Record<string, number>>): ProviderState {
  return {
    providerId: row.providerId,
    operatorId: row.operatorId,
    region: row.region,
    jurisdiction: row.jurisdiction,
    gpus: row.gpus,
    pricePerGpuHour: BigInt(row.pricePerGpuHourBaseUnits),
    advertisedLatencyMs: row.advertisedLatencyMs,
    health: row.health,
    status: row.status,
    totalGpus: row.totalGpus,
    reportedGpusInUse: row.reportedGpusInUse,
    placedGpusByClass,
    lastHeartbeatAtMs: row.lastHeartbeatAt.getTime(),
    missedHeartbeats: row.missedHeartbeats,
    track: { completions: row.completions, failures: row.failures, losses: row.losses },
  };
}

function providerOfRow(raw: RawProvider): ProviderRow {
  return {
    providerId: raw.provider_id,
    operatorId: raw.operator_id,
    endpoint: raw.endpoint,
    region: raw.region,
    jurisdiction: raw.jurisdiction,
    gpus: raw.gpus.map((g) => api.GpuInventory.fromJSON(g)),
    pricePerGpuHourBaseUnits: raw.price_per_gpu_hour_base_units,
    advertisedLatencyMs: raw.advertised_latency_ms,
    status: raw.status,
    health: raw.health as api.HealthStatus,
    totalGpus: raw.total_gpus,
    reportedGpusInUse: raw.reported_gpus_in_use,
    lastHeartbeatAt: raw.last_heartbeat_at,
    lastHeartbeatSequence: raw.last_heartbeat_sequence,
    missedHeartbeats: raw.missed_heartbeats,
    completions: raw.completions,
    failures: raw.failures,
    losses: raw.losses,
    registeredAt: raw.registered_at,
  };
}

function sumGpus(gpus: readonly api.GpuInventory[]): number {
  return gpus.reduce((sum, g) => sum + g.count, 0);
}
