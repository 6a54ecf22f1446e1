// PostgreSQL goes away under a running intake and comes back: during the outage a call answers
// UNAVAILABLE (retryable, RetryInfo, ErrorInfo DEPENDENCY_UNAVAILABLE), never UNKNOWN, and health
// is NOT_SERVING; afterwards health is SERVING again, the projection's consumer applies events
// appended after the restart, and the outbox relay publishes new submissions. On the PostgreSQL
// event log (whose consumer session dies with the server) and with Kafka as the log.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { checkHealth, decodeStatusDetails } from '@switchyard/service-host';
import { startRestartablePostgres, type RestartablePostgres } from '@switchyard/testing';
import { call, callError, eventually, startIntakeFixture, validSpec, type Backend, type IntakeFixture } from './support/intake-fixture.js';

const OUTAGE_TIMEOUT = 30_000;

describe.each<Backend>(['postgres', 'kafka'])('intake while PostgreSQL restarts (%s event log)', (backend) => {
  let server: RestartablePostgres;
  let fx: IntakeFixture;
  let acme: api.JobServiceClient;
  let firstJob = '';

  beforeAll(async () => {
    server = await startRestartablePostgres();
    fx = await startIntakeFixture(backend, undefined, { databaseUrl: server.url });
    acme = fx.client('acme');
  }, 60_000);

  afterAll(async () => {
    if (server && !server.running) await server.up().catch(() => undefined);
    await fx?.close().catch(() => undefined);
    await server?.stop();
  }, 60_000);

  const submit = (key: string) => call(acme, 'submitJob', api.SubmitJobRequest.fromPartial({ idempotencyKey: key, spec: validSpec() }));

  it('serves and projects before the outage', async () => {
    firstJob = (await submit('before-outage')).job!.id;
    await eventually(async () =>
      expect((await call(acme, 'getJob', { jobId: firstJob })).job!.state).toBe(api.JobState.JOB_STATE_SUBMITTED),
    );
    expect(await checkHealth(fx.intake.address)).toBe('SERVING');
  }, 30_000);

  it('answers UNAVAILABLE with RetryInfo and turns NOT_SERVING while PostgreSQL is down', async () => {
    await server.down({ abrupt: false });
    const error: ServiceError = await callError(
      acme,
      'submitJob',
      api.SubmitJobRequest.fromPartial({ idempotencyKey: 'during-outage', spec: validSpec() }),
    );
    expect(status[error.code]).toBe('UNAVAILABLE');
    const details = decodeStatusDetails(error)!.details;
    expect(details.map((d) => d.type)).toEqual(['google.rpc.RetryInfo', 'google.rpc.ErrorInfo']);
    expect(details[1]!.value).toMatchObject({ reason: 'DEPENDENCY_UNAVAILABLE' });
    const read = await callError(acme, 'getJob', { jobId: firstJob });
    expect(status[read.code]).toBe('UNAVAILABLE');
    await eventually(async () => expect(await checkHealth(fx.intake.address)).toBe('NOT_SERVING'), OUTAGE_TIMEOUT);
  }, 60_000);

  it('is SERVING again after the restart, and its consumer and relay resume', async () => {
    await server.up();
    await eventually(async () => expect(await checkHealth(fx.intake.address)).toBe('SERVING'), OUTAGE_TIMEOUT);
    // The consumer applies an event appended after the restart (as the classifier would).
    await fx.append({
      jobClassified: {
        jobId: firstJob,
        tier: api.Tier.TIER_BATCH,
        policyVersion: 'v1',
        matchedRuleId: 'batch',
        reasons: [],
        classifiedAt: undefined,
      },
    });
    await eventually(
      async () => expect((await call(acme, 'getJob', { jobId: firstJob })).job!.state).toBe(api.JobState.JOB_STATE_CLASSIFIED),
      OUTAGE_TIMEOUT,
    );
    // A new submission is relayed to the log and projected.
    const second = (await submit('after-outage')).job!.id;
    await fx.outboxDrained();
    await eventually(async () => expect((await fx.jobEvents()).some((e) => e.envelope.subject === second)).toBe(true), OUTAGE_TIMEOUT);
    expect(await checkHealth(fx.intake.address)).toBe('SERVING');
  }, 90_000);
});
