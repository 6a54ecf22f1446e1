// The chaos run's tenants: submit jobs over real gRPC, each with an idempotency key of its own,
// retried with the same key until acknowledged (any error: a retry with the key cannot create a
// second job). Every acknowledged job id is recorded; a key answered with two different job ids
// is a duplicate. Error codes seen are counted: during an outage a careful client needs
// UNAVAILABLE, not UNKNOWN or INTERNAL.
import { status, type ServiceError } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { bearer, JobApi } from '../grpc-clients.js';
import type { SeededRandom } from './random.js';

export const CHAOS_TENANTS = [
  { id: 'demo', apiKey: 'dev-tenant-demo-key' },
  { id: 'globex', apiKey: 'dev-tenant-globex-key' },
] as const;

export interface Acknowledged {
  readonly key: string;
  readonly tenant: string;
  readonly jobId: string;
  readonly attempts: number;
}

export interface WorkloadResult {
  readonly planned: number;
  readonly acknowledged: Acknowledged[];
  /** Keys never acknowledged before the submission deadline (not lost: the client was never told yes). */
  readonly unacknowledged: string[];
  /** Keys answered with more than one job id. */
  readonly conflictingAnswers: { key: string; jobIds: string[] }[];
  /** gRPC status name -> times seen by a submission. */
  readonly errors: Record<string, number>;
  /** A sample of error messages per status, for the report. */
  readonly errorSamples: Record<string, string>;
  /** The spec sent under each key. */
  readonly specs: Map<string, api.JobSpec>;
}

const GPU = [
  { gpuClass: 'l4-24g', minVramGib: 24 },
  { gpuClass: 'a100-80g', minVramGib: 80 },
  { gpuClass: 'h100-80g', minVramGib: 80 },
] as const;

/** A small job: mostly batch inference (BATCH tier), some latency-bound inference (REALTIME). */
export function jobSpec(rng: SeededRandom): api.JobSpec {
  const gpu = rng.pick(GPU);
  const realtime = rng.next() < 0.2;
  return api.JobSpec.fromPartial({
    kind: realtime ? api.WorkloadKind.WORKLOAD_KIND_INFERENCE : api.WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE,
    modelRef: 'llama-3.1-8b',
    gpuClass: gpu.gpuClass,
    gpuCount: 1,
    minVramGib: gpu.minVramGib,
    ...(realtime ? { maxLatencyMs: 500 } : {}),
    estimatedDurationSeconds: realtime ? rng.int(10, 60) : rng.int(30, 120),
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runWorkload(options: {
  intakeAddress: string;
  jobs: number;
  /** Submissions are spread evenly over this long. */
  spreadMs: number;
  /** No new attempt after this time (ms since epoch). */
  submitUntil: number;
  rng: SeededRandom;
  runId: string;
  concurrency?: number;
}): Promise<WorkloadResult> {
  const clients = CHAOS_TENANTS.map((t) => ({ tenant: t.id, key: t.apiKey, api: new JobApi(options.intakeAddress, t.apiKey) }));
  const acknowledged: Acknowledged[] = [];
  const unacknowledged: string[] = [];
  const answers = new Map<string, Set<string>>();
  const errors: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  const specs = new Map<string, api.JobSpec>();
  const started = Date.now();
  const concurrency = options.concurrency ?? 16;
  let inFlight = 0;
  const pending: Promise<void>[] = [];

  const submitOne = async (index: number, spec: api.JobSpec): Promise<void> => {
    const client = clients[index % clients.length]!;
    const key = `chaos-${options.runId}-${index}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const deadline = new Date(Date.now() + 5000);
        const response = await new Promise<api.SubmitJobResponse>((resolve, reject) =>
          client.api.client.submitJob(
            api.SubmitJobRequest.fromPartial({ idempotencyKey: key, spec }),
            bearer(client.key),
            { deadline },
            (error: ServiceError | null, r: api.SubmitJobResponse) => (error ? reject(error) : resolve(r)),
          ),
        );
        const jobId = response.job?.id ?? '';
        (answers.get(key) ?? answers.set(key, new Set()).get(key)!).add(jobId);
        acknowledged.push({ key, tenant: client.tenant, jobId, attempts: attempt });
        return;
      } catch (error) {
        const code = (error as ServiceError).code;
        const name = typeof code === 'number' ? (status[code] ?? String(code)) : 'CLIENT_ERROR';
        errors[name] = (errors[name] ?? 0) + 1;
        errorSamples[name] ??= (error as Error).message.slice(0, 200);
        // INVALID_ARGUMENT, RESOURCE_EXHAUSTED (a cap) and the like will not change: stop there.
        if (
          code === status.INVALID_ARGUMENT ||
          code === status.FAILED_PRECONDITION ||
          code === status.PERMISSION_DENIED ||
          code === status.UNAUTHENTICATED
        ) {
          unacknowledged.push(key);
          return;
        }
        if (Date.now() > options.submitUntil) {
          unacknowledged.push(key);
          return;
        }
        await sleep(Math.min(2000, 200 * attempt));
      }
    }
  };

  for (let i = 0; i < options.jobs; i++) {
    const due = started + Math.floor((i * options.spreadMs) / Math.max(1, options.jobs));
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    while (inFlight >= concurrency) await sleep(20);
    const spec = jobSpec(options.rng);
    specs.set(`chaos-${options.runId}-${i}`, spec);
    inFlight += 1;
    pending.push(submitOne(i, spec).finally(() => (inFlight -= 1)));
  }
  await Promise.all(pending);
  for (const c of clients) c.api.close();

  const conflictingAnswers = [...answers.entries()].filter(([, ids]) => ids.size > 1).map(([key, ids]) => ({ key, jobIds: [...ids] }));
  return { planned: options.jobs, acknowledged, unacknowledged, conflictingAnswers, errors, errorSamples, specs };
}

/**
 * After the faults: submit acknowledged keys again (same key, same spec is not needed: a key
 * names its job) and collect those answered with another job id. Rejections of the re-ask
 * (a different spec under the same key is INVALID_ARGUMENT/ALREADY_EXISTS) are not duplicates.
 */
export async function reaskKeys(
  intakeAddress: string,
  acknowledged: readonly Acknowledged[],
  specs: ReadonlyMap<string, api.JobSpec>,
): Promise<{ asked: number; differing: { key: string; jobIds: string[] }[]; failed: number }> {
  const clients = new Map<string, { key: string; api: JobApi }>(
    CHAOS_TENANTS.map((t) => [t.id, { key: t.apiKey, api: new JobApi(intakeAddress, t.apiKey) }]),
  );
  const differing: { key: string; jobIds: string[] }[] = [];
  let failed = 0;
  const queue = [...acknowledged];
  const worker = async () => {
    for (let a = queue.shift(); a !== undefined; a = queue.shift()) {
      const client = clients.get(a.tenant)!;
      try {
        const response = await new Promise<api.SubmitJobResponse>((resolve, reject) =>
          client.api.client.submitJob(
            api.SubmitJobRequest.fromPartial({ idempotencyKey: a.key, spec: specs.get(a.key) }),
            bearer(client.key),
            { deadline: new Date(Date.now() + 5000) },
            (error: ServiceError | null, r: api.SubmitJobResponse) => (error ? reject(error) : resolve(r)),
          ),
        );
        if (response.job?.id !== a.jobId) differing.push({ key: a.key, jobIds: [a.jobId, response.job?.id ?? ''] });
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  for (const c of clients.values()) c.api.close();
  return { asked: acknowledged.length, differing, failed };
}
