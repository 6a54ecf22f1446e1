// The Kafka broker (one of the test's own) goes away under a running intake and comes back:
// submissions are still accepted (they wait in the outbox), health is NOT_SERVING while the relay
// cannot publish, and after the restart the relay publishes them, the producer reconnects, the
// projection's consumer applies new events and health is SERVING again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { checkHealth } from '@switchyard/service-host';
import { startKafkaCluster, type KafkaCluster } from '@switchyard/testing';
import { call, eventually, startIntakeFixture, validSpec, type IntakeFixture } from './support/intake-fixture.js';

const OUTAGE_TIMEOUT = 60_000;

describe('intake while its Kafka broker restarts', () => {
  let broker: KafkaCluster;
  let fx: IntakeFixture;
  let acme: api.JobServiceClient;
  let duringOutage = '';

  beforeAll(async () => {
    broker = await startKafkaCluster(1);
    fx = await startIntakeFixture('kafka', undefined, { eventLog: { backend: 'kafka', brokers: broker.brokers } });
    acme = fx.client('acme');
  }, 180_000);

  afterAll(async () => {
    await broker?.startBroker(0).catch(() => undefined);
    await fx?.close().catch(() => undefined);
    await broker?.stop();
  }, 60_000);

  const submit = (key: string) => call(acme, 'submitJob', api.SubmitJobRequest.fromPartial({ idempotencyKey: key, spec: validSpec() }));

  it('accepts submissions while the broker is down and turns NOT_SERVING', async () => {
    const before = (await submit('before-broker-outage')).job!.id;
    await eventually(
      async () => expect((await call(acme, 'getJob', { jobId: before })).job!.state).toBe(api.JobState.JOB_STATE_SUBMITTED),
      OUTAGE_TIMEOUT,
    );
    await broker.killBroker(0);
    duringOutage = (await submit('during-broker-outage')).job!.id;
    await eventually(async () => expect(await checkHealth(fx.intake.address)).toBe('NOT_SERVING'), OUTAGE_TIMEOUT, 500);
  }, 120_000);

  it('publishes what waited, consumes again and is SERVING after the restart', async () => {
    await broker.startBroker(0);
    await fx.outboxDrained();
    await eventually(
      async () => expect((await fx.jobEvents()).some((e) => e.envelope.subject === duringOutage)).toBe(true),
      OUTAGE_TIMEOUT,
      500,
    );
    await fx.append({
      jobClassified: {
        jobId: duringOutage,
        tier: api.Tier.TIER_BATCH,
        policyVersion: 'v1',
        matchedRuleId: 'batch',
        reasons: [],
        classifiedAt: undefined,
      },
    });
    await eventually(
      async () => expect((await call(acme, 'getJob', { jobId: duringOutage })).job!.state).toBe(api.JobState.JOB_STATE_CLASSIFIED),
      OUTAGE_TIMEOUT,
      500,
    );
    await eventually(async () => expect(await checkHealth(fx.intake.address)).toBe('SERVING'), OUTAGE_TIMEOUT, 500);
  }, 180_000);
});
