// Open-loop SubmitJob load: submissions are sent on a fixed schedule (rate × time), whether or
// not earlier ones have been answered, so a slow service shows as latency, not as a lower rate.
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import type { BenchTenant } from '../system.js';

export type BenchTier = 'REALTIME' | 'BATCH';

export interface LoadSpec {
  readonly intake: string;
  readonly rate: number;
  readonly durationMs: number;
  readonly tenants: readonly BenchTenant[];
  readonly tier: BenchTier;
  /** Unique per run: idempotency keys and the `bench` label carry it. */
  readonly tag: string;
}

export interface Submission {
  readonly jobId: string | undefined;
  /** Epoch milliseconds (sub-millisecond precision) when the call was sent. */
  readonly sentAt: number;
  readonly latencyMs: number;
  readonly outcome: 'accepted' | 'exhausted' | 'error';
  readonly code?: number;
}

export interface LoadResult {
  readonly submissions: readonly Submission[];
  readonly startedAt: number;
  readonly endedAt: number;
  /** Scheduled sends that were late by more than 50 ms: the generator itself could not keep up. */
  readonly lateSends: number;
  readonly errors: Readonly<Record<string, number>>;
  /** Encoded sizes of one SubmitJob request and of one accepted answer (the echo ceiling copies them). */
  readonly requestBytes: number;
  readonly responseBytes: number;
}

export const CHANNELS = 4;
const MAX_IN_FLIGHT = 50_000;
export const now = (): number => performance.timeOrigin + performance.now();

export function specOf(tier: BenchTier, tag: string): api.JobSpec {
  return api.JobSpec.fromPartial({
    kind: tier === 'REALTIME' ? api.WorkloadKind.WORKLOAD_KIND_INFERENCE : api.WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE,
    modelRef: 'bench-model-8b',
    gpuClass: 'l4-24g',
    gpuCount: 1,
    minVramGib: 16,
    maxLatencyMs: tier === 'REALTIME' ? 500 : 0,
    estimatedDurationSeconds: 60,
    labels: { bench: tag },
  });
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const clients = Array.from(
    { length: CHANNELS },
    () => new api.JobServiceClient(spec.intake, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
  );
  const metadata = spec.tenants.map((tenant) => {
    const m = new Metadata();
    m.set('authorization', `Bearer ${tenant.apiKey}`);
    return m;
  });
  const jobSpec = specOf(spec.tier, spec.tag);
  const total = Math.max(1, Math.round((spec.rate * spec.durationMs) / 1000));
  const submissions: Submission[] = [];
  const errors: Record<string, number> = {};
  let inFlight = 0;
  let lateSends = 0;
  let sent = 0;
  const startedAt = now() + 20;
  const pending: Promise<void>[] = [];
  let responseBytes = 0;

  const send = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const sentAt = now();
      inFlight++;
      const request = api.SubmitJobRequest.fromPartial({ spec: jobSpec, idempotencyKey: `${spec.tag}-${i}` });
      clients[i % CHANNELS]!.submitJob(
        request,
        metadata[i % metadata.length]!,
        { deadline: Date.now() + 30_000 },
        (error: ServiceError | null, response?: api.SubmitJobResponse) => {
          inFlight--;
          const latencyMs = now() - sentAt;
          if (error) {
            const outcome = error.code === status.RESOURCE_EXHAUSTED ? 'exhausted' : 'error';
            // Numbers (timings, counts) out of the key, so one kind of error is one entry.
            const key = `${status[error.code] ?? error.code}: ${error.details
              .split(',')[0]!
              .replace(/\d+(\.\d+)?/g, 'N')
              .slice(0, 80)}`;
            errors[key] = (errors[key] ?? 0) + 1;
            submissions.push({ jobId: undefined, sentAt, latencyMs, outcome, code: error.code });
          } else {
            submissions.push({ jobId: response?.job?.id, sentAt, latencyMs, outcome: 'accepted' });
            if (responseBytes === 0 && response) responseBytes = api.SubmitJobResponse.encode(response).finish().length;
          }
          resolve();
        },
      );
    });

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((now() - startedAt) * spec.rate) / 1000) + 1);
      while (sent < due) {
        const scheduledAt = startedAt + (sent * 1000) / spec.rate;
        if (now() - scheduledAt > 50) lateSends++;
        if (inFlight >= MAX_IN_FLIGHT) {
          errors['client: too many in flight'] = (errors['client: too many in flight'] ?? 0) + 1;
          submissions.push({ jobId: undefined, sentAt: now(), latencyMs: NaN, outcome: 'error' });
        } else {
          pending.push(send(sent));
        }
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, startedAt - now()));
  });
  const endedAt = now();
  await Promise.all(pending);
  for (const client of clients) client.close();
  const requestBytes = api.SubmitJobRequest.encode(
    api.SubmitJobRequest.fromPartial({ spec: jobSpec, idempotencyKey: `${spec.tag}-${total}` }),
  ).finish().length;
  return { submissions, startedAt, endedAt, lateSends, errors, requestBytes, responseBytes };
}
