// The job tables are a projection: a second intake with an empty schema and a new consumer
// group rebuilds the same jobs, histories and idempotency records from the jobs topic alone.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { call, callError, eventually, startIntakeFixture, validSpec, type Backend, type IntakeFixture } from './support/intake-fixture.js';

describe.each<Backend>(['postgres', 'kafka'])('rebuilding the job projection from the %s log', (backend) => {
  let original: IntakeFixture;
  let rebuilt: IntakeFixture | undefined;

  beforeAll(async () => {
    original = await startIntakeFixture(backend);
  }, 60_000);

  afterAll(async () => {
    await rebuilt?.close();
    await original?.close();
  }, 30_000);

  it('gives the same jobs, histories and idempotency answers', async () => {
    const acme = original.client('acme');
    const submit = async (key: string, spec = validSpec()) =>
      (await call(acme, 'submitJob', api.SubmitJobRequest.fromPartial({ spec, idempotencyKey: key }))).job!;
    const running = await submit('rebuild-running');
    const cancelled = await submit('rebuild-cancel', validSpec({ gpuCount: 4, labels: { team: 'ml' } }));
    await original.append({
      jobClassified: {
        jobId: running.id,
        tier: api.Tier.TIER_STANDARD,
        policyVersion: 'v1',
        matchedRuleId: 'default',
        reasons: [],
        classifiedAt: undefined,
      },
    });
    await original.append({
      jobPlaced: { jobId: running.id, providerId: 'provider-1', operatorId: 'op', attempt: 1, decision: undefined, gangMembers: [] },
    });
    await call(acme, 'cancelJob', { jobId: cancelled.id, reason: 'changed plans' });
    await original.outboxDrained();
    const expected = await eventually(async () => {
      const page = await call(acme, 'listJobs', api.ListJobsRequest.fromPartial({}));
      expect(page.jobs.find((j) => j.id === running.id)?.state).toBe(api.JobState.JOB_STATE_PLACED);
      return page.jobs;
    });

    rebuilt = await startIntakeFixture(backend, original);
    const again = rebuilt.client('acme');
    await eventually(async () => {
      const page = await call(again, 'listJobs', api.ListJobsRequest.fromPartial({}));
      expect(page.jobs).toEqual(expected);
    }, 30_000);
    const history = (fx: IntakeFixture, jobId: string) =>
      fx.db
        .query('SELECT seq, event_id, event_type, detail, job FROM job_history WHERE job_id = $1 ORDER BY seq', [jobId])
        .then((r) => r.rows);
    expect(await history(rebuilt, running.id)).toEqual(await history(original, running.id));
    // Row for row, including what the spending cap counts (the worst case of the event's quote).
    const jobRows = (fx: IntakeFixture) => fx.db.query('SELECT * FROM jobs ORDER BY id').then((r) => r.rows);
    const originalRows = await jobRows(original);
    expect(originalRows.every((row: { worst_case_base_units: string }) => BigInt(row.worst_case_base_units) > 0n)).toBe(true);
    expect(await jobRows(rebuilt)).toEqual(originalRows);
    expect(await history(rebuilt, cancelled.id)).toEqual(await history(original, cancelled.id));

    // The rebuilt idempotency records answer as the original would.
    const repeat = await call(
      again,
      'submitJob',
      api.SubmitJobRequest.fromPartial({ spec: validSpec({ labels: { team: 'ml' }, gpuCount: 4 }), idempotencyKey: 'rebuild-cancel' }),
    );
    expect(repeat).toMatchObject({ deduplicated: true, job: { id: cancelled.id } });
    const changed = await callError(
      again,
      'submitJob',
      api.SubmitJobRequest.fromPartial({ spec: validSpec(), idempotencyKey: 'rebuild-cancel' }),
    );
    expect(changed.code).toBe(status.ALREADY_EXISTS);
  }, 90_000);
});
