// switchyard.v1.JobService over a real socket, on PostgreSQL and the Kafka log: authentication,
// validation with BadRequest details, idempotency (also under 50 concurrent submissions),
// tenant isolation, listing with cursors and filters, cancellation.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { api, events, ledgerEventEnvelope } from '@switchyard/contracts';
import type { EventEnvelope } from '@switchyard/event-log';
import { decodeStatusDetails } from '@switchyard/service-host';
import { call, callError, eventually, startIntakeFixture, validSpec, type IntakeFixture } from './support/intake-fixture.js';

const SUBMITTED = 'switchyard.events.v1.JobSubmitted';

describe('JobService on the Kafka event log', () => {
  let fx: IntakeFixture;
  let acme: api.JobServiceClient;
  let globex: api.JobServiceClient;

  beforeAll(async () => {
    fx = await startIntakeFixture('kafka');
    acme = fx.client('acme');
    globex = fx.client('globex');
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  }, 30_000);

  const submit = (client: api.JobServiceClient, request: Partial<api.SubmitJobRequest>) =>
    call(client, 'submitJob', api.SubmitJobRequest.fromPartial(request));
  const submitError = (client: api.JobServiceClient, request: Partial<api.SubmitJobRequest>) =>
    callError(client, 'submitJob', api.SubmitJobRequest.fromPartial(request));

  async function submittedEventsFor(key: string): Promise<unknown[]> {
    await fx.outboxDrained();
    return (await fx.jobEvents()).filter(
      (e) => e.envelope.type === SUBMITTED && events.JobEvent.fromJSON(e.envelope.data).jobSubmitted?.idempotencyKey === key,
    );
  }

  describe('authentication', () => {
    it('rejects a call without an API key as UNAUTHENTICATED', async () => {
      const anonymous = fx.anonymousClient();
      const error = await submitError(anonymous, { spec: validSpec(), idempotencyKey: 'anon-1' });
      expect(error.code).toBe(status.UNAUTHENTICATED);
      expect(decodeStatusDetails(error)?.details).toEqual([
        { type: 'google.rpc.ErrorInfo', value: { reason: 'API_KEY_MISSING', domain: 'switchyard', metadata: {} } },
      ]);
    });

    it('rejects an unknown API key as UNAUTHENTICATED', async () => {
      const anonymous = fx.anonymousClient();
      const { Metadata } = await import('@grpc/grpc-js');
      const metadata = new Metadata();
      metadata.set('x-api-key', 'sk_not_a_key');
      const error = await new Promise<ServiceError>((resolve) =>
        anonymous.getJob({ jobId: '00000000-0000-7000-8000-000000000000' }, metadata, (e) => resolve(e!)),
      );
      expect(error.code).toBe(status.UNAUTHENTICATED);
    });
  });

  describe('SubmitJob', () => {
    it('accepts a valid spec: SUBMITTED job with a UUIDv7 id, and one JobSubmitted on the topic', async () => {
      const before = Date.now();
      const { job, deduplicated } = await submit(acme, { spec: validSpec(), idempotencyKey: 'first-job' });
      expect(deduplicated).toBe(false);
      expect(job!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(job).toMatchObject({ state: api.JobState.JOB_STATE_SUBMITTED, idempotencyKey: 'first-job', spec: validSpec() });
      const submittedAtMs = Number(job!.submittedAt!.seconds) * 1000 + job!.submittedAt!.nanos / 1e6;
      expect(submittedAtMs).toBeGreaterThanOrEqual(before - 1);

      const [logged] = (await submittedEventsFor('first-job')) as { envelope: { subject: string; time: string; data: unknown } }[];
      expect(logged!.envelope.subject).toBe(job!.id);
      expect(Date.parse(logged!.envelope.time)).toBe(submittedAtMs);
      expect(events.JobEvent.fromJSON(logged!.envelope.data).jobSubmitted).toMatchObject({
        jobId: job!.id,
        tenantId: 'acme',
        tenantPlan: 'enterprise',
        spec: validSpec(),
        submittedAt: job!.submittedAt,
      });
    });

    it('answers an invalid spec with INVALID_ARGUMENT and a BadRequest naming each field', async () => {
      const spec = validSpec({ gpuCount: 0, kind: api.WorkloadKind.WORKLOAD_KIND_UNSPECIFIED, maxPriceBaseUnits: '-5' });
      const error = await submitError(acme, { spec, idempotencyKey: 'invalid-1' });
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      const details = decodeStatusDetails(error)!.details;
      expect(details).toHaveLength(1);
      expect(details[0]!.type).toBe('google.rpc.BadRequest');
      const fields = (details[0]!.value.field_violations as { field: string }[]).map((v) => v.field);
      expect(fields).toEqual(['spec.kind', 'spec.gpu_count', 'spec.max_price_base_units']);
    });

    it('carries content-addressed inputs into JobSubmitted, and names a malformed one field by field', async () => {
      const dataset = {
        digest: `sha256:${'d'.repeat(64)}`,
        kind: api.DataKind.DATA_KIND_DATASET,
        sizeBytes: '500000000000',
        locality: api.Locality.LOCALITY_REQUIRED,
      };
      const { job } = await submit(acme, { spec: validSpec({ inputs: [dataset] }), idempotencyKey: 'with-inputs' });
      const [logged] = (await submittedEventsFor('with-inputs')) as { envelope: { data: unknown } }[];
      expect(events.JobEvent.fromJSON(logged!.envelope.data).jobSubmitted?.spec?.inputs).toEqual([dataset]);
      expect(job!.spec!.inputs).toEqual([dataset]);
      const bad = await submitError(acme, {
        spec: validSpec({ inputs: [{ ...dataset, digest: 'sha1:abc', sizeBytes: '0' }] }),
        idempotencyKey: 'bad-inputs',
      });
      expect(bad.code).toBe(status.INVALID_ARGUMENT);
      const violations = decodeStatusDetails(bad)!.details[0]!.value.field_violations as { field: string }[];
      expect(violations.map((v) => v.field)).toEqual(['spec.inputs[0].digest', 'spec.inputs[0].size_bytes']);
    });

    it("accepts a pipeline step that depends on jobs of its tenant, and refuses unknown ones and other tenants' jobs field by field", async () => {
      const { job: first } = await submit(acme, { spec: validSpec(), idempotencyKey: 'pipeline-first' });
      const { job: theirs } = await submit(globex, { spec: validSpec(), idempotencyKey: 'pipeline-theirs' });
      const dependsOn = [{ jobId: first!.id, outputSizeBytes: '300000000000' }];
      const { job: step } = await submit(acme, {
        spec: validSpec({ kind: api.WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP, dependsOn }),
        idempotencyKey: 'pipeline-step',
      });
      const [logged] = (await submittedEventsFor('pipeline-step')) as { envelope: { data: unknown } }[];
      expect(events.JobEvent.fromJSON(logged!.envelope.data).jobSubmitted?.spec?.dependsOn).toEqual(dependsOn);
      expect(step!.spec!.dependsOn).toEqual(dependsOn);

      const unknown = '0190c3a0-0000-7000-8000-000000000000';
      const bad = await submitError(acme, {
        spec: validSpec({
          dependsOn: [
            { jobId: unknown, outputSizeBytes: '0' },
            { jobId: theirs!.id, outputSizeBytes: '0' },
            { jobId: first!.id, outputSizeBytes: '0' },
          ],
        }),
        idempotencyKey: 'pipeline-bad',
      });
      expect(bad.code).toBe(status.INVALID_ARGUMENT);
      const violations = decodeStatusDetails(bad)!.details[0]!.value.field_violations as { field: string; description: string }[];
      expect(violations.map(({ field, description }) => ({ field, description }))).toEqual([
        { field: 'spec.depends_on[0].job_id', description: `names no job of this tenant (${unknown})` },
        { field: 'spec.depends_on[1].job_id', description: `names no job of this tenant (${theirs!.id})` },
      ]);
      const malformed = await submitError(acme, {
        spec: validSpec({
          dependsOn: [
            { jobId: 'job-1', outputSizeBytes: '0' },
            { jobId: first!.id, outputSizeBytes: '0' },
            { jobId: first!.id, outputSizeBytes: '0' },
          ],
        }),
        idempotencyKey: 'pipeline-malformed',
      });
      expect(malformed.code).toBe(status.INVALID_ARGUMENT);
      expect((decodeStatusDetails(malformed)!.details[0]!.value.field_violations as { field: string }[]).map((v) => v.field)).toEqual([
        'spec.depends_on[0].job_id',
        'spec.depends_on[2].job_id',
      ]);
      expect(await submittedEventsFor('pipeline-bad')).toHaveLength(0);
    });

    it('names idempotency_key and spec.deadline when the key is missing and the deadline has passed', async () => {
      const past = { seconds: String(Math.floor(Date.now() / 1000) - 60), nanos: 0 };
      const error = await submitError(acme, { spec: validSpec({ deadline: past }), idempotencyKey: '' });
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      const violations = decodeStatusDetails(error)!.details[0]!.value.field_violations as { field: string }[];
      expect(violations.map((v) => v.field)).toEqual(['idempotency_key', 'spec.deadline']);
    });

    it('returns the same job for the same key and spec, without a second event', async () => {
      const first = await submit(acme, { spec: validSpec(), idempotencyKey: 'retry-1' });
      const again = await submit(acme, { spec: validSpec(), idempotencyKey: 'retry-1' });
      expect(again.deduplicated).toBe(true);
      expect(again.job!.id).toBe(first.job!.id);
      expect(await submittedEventsFor('retry-1')).toHaveLength(1);
    });

    it('answers ALREADY_EXISTS for the same key with another spec, and emits nothing', async () => {
      const first = await submit(acme, { spec: validSpec(), idempotencyKey: 'changed-1' });
      const error = await submitError(acme, { spec: validSpec({ gpuCount: 2 }), idempotencyKey: 'changed-1' });
      expect(error.code).toBe(status.ALREADY_EXISTS);
      expect(decodeStatusDetails(error)!.details.map((d) => d.type)).toEqual(['google.rpc.ResourceInfo', 'google.rpc.ErrorInfo']);
      expect(decodeStatusDetails(error)!.details[0]!.value).toMatchObject({ resource_name: first.job!.id });
      expect(await submittedEventsFor('changed-1')).toHaveLength(1);
      const { rows } = await fx.db.query('SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = $1', ['changed-1']);
      expect(rows[0].n).toBe(1);
    });

    it('scopes idempotency keys per tenant', async () => {
      const a = await submit(acme, { spec: validSpec(), idempotencyKey: 'shared-key' });
      const b = await submit(globex, { spec: validSpec(), idempotencyKey: 'shared-key' });
      expect(b.deduplicated).toBe(false);
      expect(b.job!.id).not.toBe(a.job!.id);
    });

    it('turns 50 concurrent identical submissions into one job and exactly one JobSubmitted', async () => {
      const request = { spec: validSpec({ labels: { batch: 'concurrent' } }), idempotencyKey: 'concurrent-50' };
      const responses = await Promise.all(Array.from({ length: 50 }, () => submit(acme, request)));
      const ids = new Set(responses.map((r) => r.job!.id));
      expect(ids.size).toBe(1);
      expect(responses.filter((r) => !r.deduplicated)).toHaveLength(1);
      const { rows } = await fx.db.query('SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = $1', ['concurrent-50']);
      expect(rows[0].n).toBe(1);
      expect(await submittedEventsFor('concurrent-50')).toHaveLength(1);
    }, 30_000);
  });

  describe('GetJob', () => {
    it("answers another tenant's job, a malformed id and an unknown id alike: NOT_FOUND", async () => {
      const { job } = await submit(acme, { spec: validSpec(), idempotencyKey: 'private-1' });
      expect((await call(acme, 'getJob', { jobId: job!.id })).job!.id).toBe(job!.id);
      for (const jobId of [job!.id, 'not-a-uuid', '0193a0b4-0000-7000-8000-000000000000']) {
        const error = await callError(globex, 'getJob', { jobId });
        expect(error.code).toBe(status.NOT_FOUND);
        expect(error.details).toBe(`job ${jobId} not found`);
      }
    });
  });

  describe('ListJobs', () => {
    let ids: string[];

    beforeAll(async () => {
      // globex's own jobs, newest last; acme's jobs must never show up here.
      ids = [];
      for (let i = 0; i < 7; i++) ids.push((await submit(globex, { spec: validSpec(), idempotencyKey: `list-${i}` })).job!.id);
    });

    it('pages newest first with an opaque cursor, stable to the end', async () => {
      const seen: string[] = [];
      let pageToken = '';
      let pages = 0;
      do {
        const page = await call(globex, 'listJobs', api.ListJobsRequest.fromPartial({ pageSize: 3, pageToken }));
        expect(page.jobs.length).toBeLessThanOrEqual(3);
        seen.push(...page.jobs.map((j) => j.id));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken !== '' && pages < 10);
      const mine = seen.filter((id) => ids.includes(id));
      expect(mine).toEqual([...ids].reverse());
      expect(new Set(seen).size).toBe(seen.length);
      const { rows } = await fx.db.query("SELECT count(*)::int AS n FROM jobs WHERE tenant_id = 'globex'");
      expect(seen).toHaveLength(rows[0].n);
    });

    it('filters by state and tier', async () => {
      const classified = ids[2]!;
      await fx.append({
        jobClassified: {
          jobId: classified,
          tier: api.Tier.TIER_BATCH,
          policyVersion: 'v1',
          matchedRuleId: 'batch',
          reasons: [],
          classifiedAt: undefined,
        },
      });
      await eventually(async () => {
        const page = await call(globex, 'listJobs', api.ListJobsRequest.fromPartial({ tiers: [api.Tier.TIER_BATCH] }));
        expect(page.jobs.map((j) => j.id)).toEqual([classified]);
      });
      const byState = await call(globex, 'listJobs', api.ListJobsRequest.fromPartial({ states: [api.JobState.JOB_STATE_CLASSIFIED] }));
      expect(byState.jobs.map((j) => j.id)).toEqual([classified]);
      const submitted = await call(
        globex,
        'listJobs',
        api.ListJobsRequest.fromPartial({ states: [api.JobState.JOB_STATE_SUBMITTED], pageSize: 500 }),
      );
      expect(submitted.jobs.map((j) => j.id)).not.toContain(classified);
    }, 30_000);

    it('refuses a page token used with other filters than the page it came from', async () => {
      const first = await call(
        globex,
        'listJobs',
        api.ListJobsRequest.fromPartial({ pageSize: 2, states: [api.JobState.JOB_STATE_SUBMITTED] }),
      );
      expect(first.nextPageToken).not.toBe('');
      const same = await call(
        globex,
        'listJobs',
        api.ListJobsRequest.fromPartial({ pageSize: 2, states: [api.JobState.JOB_STATE_SUBMITTED], pageToken: first.nextPageToken }),
      );
      expect(same.jobs.map((j) => j.id)).not.toContain(first.jobs[0]!.id);
      const error = await callError(globex, 'listJobs', api.ListJobsRequest.fromPartial({ pageSize: 2, pageToken: first.nextPageToken }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/other states or tiers/);
    });

    it('rejects a page token it did not issue', async () => {
      const error = await callError(globex, 'listJobs', api.ListJobsRequest.fromPartial({ pageToken: 'garbage' }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect((decodeStatusDetails(error)!.details[0]!.value.field_violations as { field: string }[])[0]!.field).toBe('page_token');
    });
  });

  describe('CancelJob', () => {
    it('appends one JobCancelRequested, and cancelling again changes nothing', async () => {
      const { job } = await submit(acme, { spec: validSpec(), idempotencyKey: 'cancel-1' });
      const first = await call(acme, 'cancelJob', { jobId: job!.id, reason: 'no longer needed' });
      expect(first.job).toMatchObject({ id: job!.id, cancelRequested: true, state: api.JobState.JOB_STATE_SUBMITTED });
      const second = await call(acme, 'cancelJob', { jobId: job!.id, reason: 'again' });
      expect(second.job!.cancelRequested).toBe(true);
      await fx.outboxDrained();
      const requests = (await fx.jobEvents()).filter(
        (e) => e.envelope.subject === job!.id && e.envelope.type === 'switchyard.events.v1.JobCancelRequested',
      );
      expect(requests).toHaveLength(1);
      expect(events.JobEvent.fromJSON(requests[0]!.envelope.data).jobCancelRequested).toMatchObject({
        jobId: job!.id,
        reason: 'no longer needed',
      });
    });

    it('refuses a job that already ended with FAILED_PRECONDITION', async () => {
      const { job } = await submit(acme, { spec: validSpec(), idempotencyKey: 'cancel-done' });
      await fx.append({
        jobExpired: {
          jobId: job!.id,
          attempt: 0,
          providerId: '',
          deadline: undefined,
          stateAtExpiry: api.JobState.JOB_STATE_SUBMITTED,
          expiredAt: undefined,
        },
      });
      await eventually(async () => {
        expect((await call(acme, 'getJob', { jobId: job!.id })).job!.state).toBe(api.JobState.JOB_STATE_EXPIRED);
      });
      const error = await callError(acme, 'cancelJob', { jobId: job!.id, reason: '' });
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(decodeStatusDetails(error)!.details.map((d) => d.type)).toEqual(['google.rpc.PreconditionFailure', 'google.rpc.ErrorInfo']);
    }, 30_000);

    it("answers NOT_FOUND for another tenant's job and emits nothing", async () => {
      const { job } = await submit(acme, { spec: validSpec(), idempotencyKey: 'cancel-other' });
      const error = await callError(globex, 'cancelJob', { jobId: job!.id, reason: '' });
      expect(error.code).toBe(status.NOT_FOUND);
      expect((await call(acme, 'getJob', { jobId: job!.id })).job!.cancelRequested).toBe(false);
    });
  });

  describe('QuoteJob and spending caps', () => {
    it('QuoteJob prices the spec per tier from the rate card, with no side effect', async () => {
      await fx.outboxDrained(); // what earlier tests submitted is in the log before counting
      const before = (await fx.jobEvents()).length;
      const { quote } = await call(acme, 'quoteJob', { spec: validSpec({ estimatedDurationSeconds: 3600 }) });
      expect(quote!.rateCardVersion).toMatch(/^\d{4}-\d{2}-\d{2}/);
      const realtime = quote!.prices.find((p) => p.tier === api.Tier.TIER_REALTIME)!;
      // One h100 GPU-hour at the REALTIME rate of rate card 2026-11-01.
      expect(realtime.worstCasePriceBaseUnits).toBe('4500000');
      expect((await fx.jobEvents()).length).toBe(before);
      const unpriced = await callError(acme, 'quoteJob', { spec: validSpec({ gpuClass: 'z9000' }) });
      expect(unpriced.code).toBe(status.INVALID_ARGUMENT);
      expect(JSON.stringify(decodeStatusDetails(unpriced))).toContain('spec.gpu_class');
    });

    it('SubmitJob records the quote it accepted the job under', async () => {
      const { job } = await submit(acme, { spec: validSpec(), idempotencyKey: 'quoted-1' });
      expect(job!.quote?.prices.length).toBeGreaterThan(0);
      const [event] = (await submittedEventsFor('quoted-1')) as { envelope: { data: unknown } }[];
      expect(events.JobEvent.fromJSON(event!.envelope.data).jobSubmitted!.quote).toEqual(job!.quote);
    });

    it('refuses a submission whose worst-case quote exceeds what is left of the cap, with the numbers; a new epoch frees it', async () => {
      const frugal = fx.client('frugal');
      const twentyMinutes = validSpec({ estimatedDurationSeconds: 1200 }); // 1,500,000 at REALTIME h100
      await submit(frugal, { spec: twentyMinutes, idempotencyKey: 'cap-1' });
      const refused = await submitError(frugal, { spec: twentyMinutes, idempotencyKey: 'cap-2' });
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
      const info = decodeStatusDetails(refused)!.details.find((d) => d.type === 'google.rpc.ErrorInfo')!.value as {
        metadata: Record<string, string>;
      };
      expect(info.metadata).toEqual({ cap_base_units: '2000000', committed_base_units: '1500000', quote_base_units: '1500000' });
      expect(await submittedEventsFor('cap-2')).toEqual([]);

      // Payout closes an epoch: what was committed before its cutoff no longer counts. The cutoff
      // keeps its milliseconds (a whole-second one could fall before cap-1's submission).
      const cutoff = new Date();
      const cutoffAt = { seconds: String(Math.floor(cutoff.getTime() / 1000)), nanos: (cutoff.getTime() % 1000) * 1_000_000 };
      await fx.log.append(`${fx.topicPrefix}ledger`, [
        ledgerEventEnvelope(
          { epochClosed: { epochId: 'epoch-1', cutoff: cutoffAt, payoutCount: 0, totalBaseUnits: '0', closedAt: undefined } },
          { source: '/switchyard/payout', time: cutoff },
          'epoch-1',
        ) as EventEnvelope,
      ]);
      await eventually(async () => {
        const { job } = await submit(frugal, { spec: twentyMinutes, idempotencyKey: 'cap-3' });
        expect(job!.id).toBeDefined();
      }, 20_000);
    }, 40_000);
  });
});
