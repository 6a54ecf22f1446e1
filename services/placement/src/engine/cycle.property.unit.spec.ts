// Capacity accounting cannot leak, whatever providers and jobs do: over random sequences of
// submissions, cancels, provider reports (started, completed, failed in every category),
// heartbeats that list or omit runs, vanishing (liveness ticks), coming back and re-registering,
// after every cycle the GPUs each provider's record holds equal the GPUs of the live attempts
// placed on it (a gang split over p0 and p1 counting its part on each), never exceed what it
// offers, and the candidate index agrees with the records.
import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import fc from 'fast-check';
import { defaultPlacementPolicy, freeGpus, holdersOf, inventoryOf, PlacementState, type PlacementPolicy } from '../domain/index.js';
import { Attempts } from './attempt-book.js';
import { Cycle } from './cycle.js';
import type { SchedulerInput } from './inputs.js';
import { loggedEvent as logged, ts } from './scheduler.fixtures.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const policy: PlacementPolicy = {
  ...defaultPlacementPolicy,
  liveness: { heartbeatIntervalMs: 1_000, suspectAfterMissed: 2, lostAfterMissed: 4 },
};
const PROVIDERS = ['p0', 'p1', 'p2'];
const CATEGORIES = [
  api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
  api.FailureCategory.FAILURE_CATEGORY_WORKLOAD,
  api.FailureCategory.FAILURE_CATEGORY_PREEMPTED,
  api.FailureCategory.FAILURE_CATEGORY_TIMEOUT,
  api.FailureCategory.FAILURE_CATEGORY_INTERNAL,
];

type Step =
  | { kind: 'submit'; gpus: number; tier: number; gang: boolean }
  | { kind: 'cancel'; job: number }
  | { kind: 'start' | 'complete'; job: number }
  | { kind: 'fail'; job: number; category: number }
  | { kind: 'heartbeat'; provider: number; listRuns: boolean; dropOne: boolean }
  | { kind: 'register'; provider: number; gpus: number }
  | { kind: 'wait'; seconds: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('submit' as const),
    gpus: fc.integer({ min: 1, max: 3 }),
    tier: fc.integer({ min: 0, max: 2 }),
    gang: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('cancel' as const), job: fc.nat(30) }),
  fc.record({ kind: fc.constantFrom('start' as const, 'complete' as const), job: fc.nat(30) }),
  fc.record({ kind: fc.constant('fail' as const), job: fc.nat(30), category: fc.nat(CATEGORIES.length - 1) }),
  fc.record({
    kind: fc.constant('heartbeat' as const),
    provider: fc.nat(PROVIDERS.length - 1),
    listRuns: fc.boolean(),
    dropOne: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('register' as const), provider: fc.nat(PROVIDERS.length - 1), gpus: fc.integer({ min: 2, max: 6 }) }),
  fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 1, max: 30 }) }),
);

const TIERS = [api.Tier.TIER_REALTIME, api.Tier.TIER_STANDARD, api.Tier.TIER_BATCH];

describe('a cycle never leaks capacity (property)', () => {
  it('keeps every provider’s held GPUs equal to its live attempts, within its offer, and the index in step', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 60 }), (steps) => {
        const state = PlacementState.empty(policy);
        const attempts = new Attempts();
        const stopsTold = new Set<string>();
        const ids = new Map<string, string>();
        const sequences = new Map<string, number>();
        let nowMs = T0;
        let eventNo = 0;
        let jobs = 0;
        const run = (inputs: SchedulerInput[]): void => {
          const fresh = new Set(inputs.flatMap((i) => (i.kind === 'events' ? i.events.map((e) => e.envelope.id) : [])));
          const cycle = new Cycle({
            state,
            attempts,
            pastAttempts: new Map(),
            freshEventIds: fresh,
            newProviderId: () => `prv-${ids.size}`,
            warn: () => undefined,
            stopsTold,
          });
          const effects = cycle.run(inputs);
          for (const item of effects.stream) {
            if (item.kind === 'ASSIGN' && (item.gang === undefined || item.gang.leadProviderId === item.providerId))
              attempts.assign(item.jobId, item.attempt, item.providerId);
          }
          for (const r of effects.attemptReports) attempts.report(r.jobId, r.attempt, r.kind);
          for (const jobId of effects.finished.keys()) attempts.forget(jobId);
          // Committed: the answers (a registration's provider id among them).
          for (const answer of effects.settle) answer();
        };
        const pending = { resolve: () => undefined, reject: () => undefined };
        const register = (name: string, gpus: number): void => {
          run([
            {
              kind: 'register',
              input: {
                operatorId: name === 'p2' ? 'op-p2' : 'op-shared',
                region: 'eu-west',
                jurisdiction: 'EU',
                gpus: [{ gpuClass: 'a100-80g', count: gpus, vramGib: 80 }],
                pricePerGpuHourBaseUnits: '1000000',
                advertisedLatencyMs: 20,
                endpoint: `grpc://${name}`,
                receivedAtMs: nowMs,
              },
              tokenHash: name,
              providerToken: name,
              resolve: (r: { providerId: string }) => {
                ids.set(name, r.providerId);
                sequences.set(r.providerId, 0);
              },
              reject: () => undefined,
            } as SchedulerInput,
          ]);
        };
        for (const name of PROVIDERS) register(name, 4);
        for (const s of steps) {
          switch (s.kind) {
            case 'submit': {
              const jobId = `job-${jobs++}`;
              // A gang may span p0 and p1 (one operator, one region): up to 8 GPUs.
              const spec = api.JobSpec.fromPartial({
                kind: api.WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE,
                gpuClass: 'a100-80g',
                gpuCount: s.gang ? s.gpus + 3 : s.gpus,
                minVramGib: 40,
                estimatedDurationSeconds: 60,
                gangDomain: s.gang ? api.GangDomain.GANG_DOMAIN_OPERATOR_REGION : api.GangDomain.GANG_DOMAIN_UNSPECIFIED,
              });
              run([
                {
                  kind: 'events',
                  events: [
                    logged(
                      {
                        jobSubmitted: {
                          jobId,
                          tenantId: 't',
                          tenantPlan: 'p',
                          spec,
                          idempotencyKey: jobId,
                          quote: undefined,
                          submittedAt: ts(nowMs),
                        },
                      },
                      jobId,
                      eventNo++,
                      nowMs,
                    ),
                    logged(
                      {
                        jobClassified: {
                          jobId,
                          tier: TIERS[s.tier]!,
                          policyVersion: 'p',
                          matchedRuleId: 'r',
                          reasons: [],
                          classifiedAt: ts(nowMs),
                        },
                      },
                      jobId,
                      eventNo++,
                      nowMs,
                    ),
                  ],
                  ...pending,
                },
              ]);
              break;
            }
            case 'cancel': {
              const jobId = `job-${s.job}`;
              run([
                {
                  kind: 'events',
                  events: [logged({ jobCancelRequested: { jobId, reason: 'no', requestedAt: ts(nowMs) } }, jobId, eventNo++, nowMs)],
                  ...pending,
                },
              ]);
              break;
            }
            case 'start':
            case 'complete':
            case 'fail': {
              const job = state.registry.jobs.get(`job-${s.job}`);
              if (job?.providerId === undefined) break;
              const kind = s.kind === 'start' ? 'STARTED' : s.kind === 'complete' ? 'COMPLETED' : 'FAILED';
              run([
                {
                  kind: 'report',
                  report: {
                    kind,
                    jobId: job.jobId,
                    attempt: job.attempt,
                    providerId: job.providerId,
                    receivedAtMs: nowMs,
                    resultHash: 'h',
                    ...(s.kind === 'fail' ? { failure: { category: CATEGORIES[s.category]!, retryable: true, message: 'x' } } : {}),
                  },
                  ...pending,
                } as SchedulerInput,
              ]);
              break;
            }
            case 'heartbeat': {
              const providerId = ids.get(PROVIDERS[s.provider]!)!;
              const sequence = (sequences.get(providerId) ?? 0) + 1;
              sequences.set(providerId, sequence);
              const held = [...(state.registry.heldBy.get(providerId) ?? [])].map((jobId) => ({
                jobId,
                attempt: state.registry.jobs.get(jobId)!.attempt,
              }));
              const runs = s.dropOne ? held.slice(1) : held;
              run([
                {
                  kind: 'heartbeat',
                  input: {
                    providerId,
                    sequence: String(sequence),
                    gpusInUse: 0,
                    health: api.HealthStatus.HEALTH_STATUS_HEALTHY,
                    receivedAtMs: nowMs,
                  },
                  runs: s.listRuns ? runs : undefined,
                  ...pending,
                } as SchedulerInput,
              ]);
              break;
            }
            case 'register':
              register(PROVIDERS[s.provider]!, s.gpus);
              break;
            case 'wait':
              nowMs += s.seconds * 1000;
              run([{ kind: 'tick', atMs: nowMs, retryQueue: true }]);
              break;
          }
          // The invariant, after every cycle.
          for (const provider of state.registry.providers.values()) {
            // A gang split over providers holds its part on each member; any other job all of its GPUs on one.
            const parts = [...state.registry.jobs.values()].flatMap((j) =>
              holdersOf(j)
                .filter((m) => m.providerId === provider.providerId)
                .map((m) => ({ job: j, gpus: m.gpuCount })),
            );
            const live = parts.map((p) => p.job);
            const held = parts.reduce((n, p) => n + p.gpus, 0);
            expect(provider.placedGpusByClass['a100-80g'] ?? 0).toBe(held);
            expect(held).toBeLessThanOrEqual(
              Math.max(inventoryOf(provider, 'a100-80g'), held === 0 ? 0 : inventoryOf(provider, 'a100-80g')),
            );
            expect(freeGpus(provider, 'a100-80g')).toBe(Math.max(0, inventoryOf(provider, 'a100-80g') - held));
            expect([...(state.registry.heldBy.get(provider.providerId) ?? [])].sort()).toEqual(live.map((j) => j.jobId).sort());
          }
          // The index rebuilt from the records agrees with the one kept up to date.
          const rebuilt = PlacementState.of(state.registry, policy).index;
          expect(state.index.largestFreeBlock('a100-80g')).toBe(rebuilt.largestFreeBlock('a100-80g'));
          expect(state.index.size('a100-80g')).toBe(rebuilt.size('a100-80g'));
          const walked = (index: typeof rebuilt): string[] => {
            const seen: string[] = [];
            index.walk('a100-80g', api.Tier.TIER_BATCH, [], (key) => void seen.push(`${key.providerId}@${key.score}`));
            return seen;
          };
          expect(walked(state.index)).toEqual(walked(rebuilt));
        }
      }),
      { seed: 20261201, numRuns: 200 },
    );
  });
});
