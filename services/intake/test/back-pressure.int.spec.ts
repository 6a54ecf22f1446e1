// SubmitJob under more load than intake can store, over a real socket against real PostgreSQL:
// submissions beyond what may wait are refused at once with RESOURCE_EXHAUSTED and a RetryInfo
// (never a slow INTERNAL or DEADLINE_EXCEEDED); every submission that was answered OK is stored
// and in the log (nothing acknowledged is lost); a refused one succeeds when retried after its
// delay. Submissions that arrive together are stored in shared transactions (batches).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { decodeStatusDetails } from '@switchyard/service-host';
import type { ServiceError } from '@grpc/grpc-js';
import { call, startIntakeFixture, validSpec, type IntakeFixture } from './support/intake-fixture.js';

jest.setTimeout(120_000);

describe('intake: back-pressure on SubmitJob', () => {
  let fixture: IntakeFixture;

  beforeAll(async () => {
    // A small waiting room, so a burst of 400 overflows it.
    fixture = await startIntakeFixture('postgres', undefined, { submissionLimits: { batchSize: 50, maxWaiting: 60 } });
  });
  afterAll(() => fixture?.close());

  it('refuses what cannot wait with RESOURCE_EXHAUSTED + RetryInfo, stores everything it accepted, and accepts the retry', async () => {
    const client = fixture.client('acme');
    const submit = (i: number) =>
      call(client, 'submitJob', api.SubmitJobRequest.fromPartial({ spec: validSpec(), idempotencyKey: `burst-${i}` })).then(
        (response) => ({ i, response }),
        (error: ServiceError) => ({ i, error }),
      );
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => submit(i)));
    const accepted = answers.flatMap((a) => ('response' in a ? [a] : []));
    const refused = answers.flatMap((a) => ('error' in a ? [a] : []));
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const { error } of refused) {
      expect(error.code).toBe(8); // RESOURCE_EXHAUSTED
      const details = decodeStatusDetails(error)!.details;
      expect(details.find((d) => d.type === 'google.rpc.ErrorInfo')?.value).toMatchObject({ reason: 'INTAKE_OVERLOADED' });
      const retry = details.find((d) => d.type === 'google.rpc.RetryInfo')!.value as { retry_delay: { seconds: string; nanos: number } };
      expect(Number(retry.retry_delay.seconds) * 1000 + retry.retry_delay.nanos / 1e6).toBeGreaterThanOrEqual(100);
    }

    // Every acknowledged submission is a stored job and a JobSubmitted in the log.
    const ids = accepted.map((a) => a.response.job!.id).sort();
    const { rows } = await fixture.db.query<{ id: string }>('SELECT id FROM jobs WHERE id = ANY($1::uuid[]) ORDER BY id', [ids]);
    expect(rows.map((r) => r.id)).toEqual(ids);
    await fixture.outboxDrained();
    const submitted = (await fixture.jobEvents())
      .filter((e) => e.envelope.type === 'switchyard.events.v1.JobSubmitted')
      .map((e) => e.envelope.subject);
    expect(submitted.sort()).toEqual(ids);
    // Several submissions shared a transaction: fewer distinct commit times than jobs.
    const { rows: batches } = await fixture.db.query<{ n: number }>(
      'SELECT COUNT(DISTINCT xmin::text)::int AS n FROM jobs WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(batches[0]!.n).toBeLessThan(ids.length);

    // A refused submission, retried after its delay with the same key, is accepted once.
    const retried = await Promise.all(refused.slice(0, 20).map((r) => submit(r.i)));
    for (const r of retried) expect('response' in r).toBe(true);
    const again = await submit(refused[0]!.i);
    expect('response' in again && again.response.deduplicated).toBe(true);
  });
});
