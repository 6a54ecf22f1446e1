// JobService takes the time of a call (a submission, a cancellation request, a quote) from the
// clock it is given, not from the wall: with a test clock set to instants the wall is not at, the
// job, its events and the projection carry the clock's instant, and the quote prices by the rate
// card in effect at the clock's instant (metering's default cards: 2026-11-01, then 2027-01-01).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, dateOf, events } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import { fixedClock } from '@switchyard/testing';
import { call, eventually, startIntakeFixture, validSpec, type IntakeFixture } from './support/intake-fixture.js';

const SUBMITTED_AT = '2026-11-15T10:20:30.456Z';

describe('JobService on a test clock (PostgreSQL log)', () => {
  const clock = fixedClock(SUBMITTED_AT);
  let fx: IntakeFixture;
  let acme: api.JobServiceClient;

  beforeAll(async () => {
    fx = await startIntakeFixture('postgres', undefined, {}, { clock });
    acme = fx.client('acme');
  }, 60_000);

  afterAll(async () => {
    await fx?.close();
  }, 30_000);

  async function eventOf(jobId: string, type: string): Promise<LoggedEvent> {
    await fx.outboxDrained();
    const found = (await fx.jobEvents()).filter((e) => e.envelope.subject === jobId && e.envelope.type === `switchyard.events.v1.${type}`);
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  it("stamps a submission with the clock's instant: the job, its JobSubmitted (envelope and event) and the projection", async () => {
    clock.set(SUBMITTED_AT);
    const { job } = await call(acme, 'submitJob', api.SubmitJobRequest.fromPartial({ spec: validSpec(), idempotencyKey: 'clock-1' }));
    expect(dateOf(job!.submittedAt)?.toISOString()).toBe(SUBMITTED_AT);

    const logged = await eventOf(job!.id, 'JobSubmitted');
    expect(logged.envelope.time).toBe(SUBMITTED_AT);
    expect(dateOf(events.JobEvent.fromJSON(logged.envelope.data).jobSubmitted!.submittedAt)?.toISOString()).toBe(SUBMITTED_AT);
    await eventually(async () => {
      const { job: projected } = await call(acme, 'getJob', { jobId: job!.id });
      expect(dateOf(projected!.submittedAt)?.toISOString()).toBe(SUBMITTED_AT);
    });

    // The next submission is stamped where the clock was moved to, 90 s on.
    clock.advance(90_000);
    const { job: next } = await call(acme, 'submitJob', api.SubmitJobRequest.fromPartial({ spec: validSpec(), idempotencyKey: 'clock-2' }));
    expect(dateOf(next!.submittedAt)?.toISOString()).toBe('2026-11-15T10:22:00.456Z');
  });

  it("stamps a cancellation request with the clock's instant", async () => {
    clock.set(SUBMITTED_AT);
    const { job } = await call(acme, 'submitJob', api.SubmitJobRequest.fromPartial({ spec: validSpec(), idempotencyKey: 'clock-cancel' }));
    const requestedAt = '2026-11-15T11:00:00.001Z';
    clock.set(requestedAt);
    await call(acme, 'cancelJob', { jobId: job!.id, reason: 'no longer needed' });

    const logged = await eventOf(job!.id, 'JobCancelRequested');
    expect(logged.envelope.time).toBe(requestedAt);
    expect(dateOf(events.JobEvent.fromJSON(logged.envelope.data).jobCancelRequested!.requestedAt)?.toISOString()).toBe(requestedAt);
  });

  it("quotes at the clock's instant, by the rate card in effect then", async () => {
    clock.set('2026-12-31T23:59:59.999Z');
    const before = await call(acme, 'quoteJob', api.QuoteJobRequest.fromPartial({ spec: validSpec() }));
    expect(before.quote).toMatchObject({ rateCardVersion: '2026-11-01' });
    expect(dateOf(before.quote!.quotedAt)?.toISOString()).toBe('2026-12-31T23:59:59.999Z');

    clock.advance(1);
    const after = await call(acme, 'quoteJob', api.QuoteJobRequest.fromPartial({ spec: validSpec() }));
    expect(after.quote).toMatchObject({ rateCardVersion: '2027-01-01' });
    expect(dateOf(after.quote!.quotedAt)?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});
