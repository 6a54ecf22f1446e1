// The one envelope builder and reader: the wire shape stays what every consumer reads, ids are
// deterministic (the same decision again -> the same ce_id) and never shared by two distinct
// events of a family (the inbox dedups on ce_id, so a shared id would silently drop an event).
import { describe, expect, it } from '@jest/globals';
import { envelopeOf, events, idFrom, readEvent, requireEvent, type EventFamily, type FamilyEvent } from '../src/messages.js';
import type { EventEnvelope } from '@switchyard/event-log/envelope';

const at = '2026-12-01T10:00:00.000Z';
const later = '2026-12-01T10:00:01.000Z';
const ts = { seconds: '1796119200', nanos: 0 };

/** Every id is distinct, and building the same events again gives the same ids. */
function expectDistinctAndStable<F extends EventFamily>(family: F, cases: readonly [FamilyEvent<F>, string, string?][]): void {
  const build = (): EventEnvelope[] =>
    cases.map(([event, causationId, time]) =>
      envelopeOf(family, event, { source: '/switchyard/test', at: time ?? at, cause: { causationId } }),
    );
  const ids = build().map((envelope) => envelope.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(build().map((envelope) => envelope.id)).toEqual(ids);
}

describe('envelopeOf', () => {
  it('writes the wire envelope as before: ce_type, subject = record key, correlation, protobuf JSON of the one member', () => {
    const jobPlaced = events.JobPlaced.fromPartial({ jobId: 'job-1', providerId: 'p-1', attempt: 2 });
    const envelope = envelopeOf(
      'job',
      { jobPlaced },
      { source: '/switchyard/placement', at: ts, cause: { causationId: 'e-1', traceparent: '00-abc-def-01' } },
    );
    expect(envelope).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      type: 'switchyard.events.v1.JobPlaced',
      source: '/switchyard/placement',
      subject: 'job-1',
      time: '2026-12-01T10:00:00.000Z',
      causationId: 'e-1',
      correlationId: 'job-1',
      traceparent: '00-abc-def-01',
      data: events.JobEvent.toJSON({ jobPlaced } as events.JobEvent),
    });
    expect(Object.keys(envelope.data as object)).toEqual(['jobPlaced']);
  });

  it('keeps an id the producer passes, and gives an event without a cause a random one', () => {
    const jobSubmitted = events.JobSubmitted.fromPartial({ jobId: 'job-1' });
    expect(envelopeOf('job', { jobSubmitted }, { source: '/s', at, id: 'given' }).id).toBe('given');
    const a = envelopeOf('job', { jobSubmitted }, { source: '/s', at });
    const b = envelopeOf('job', { jobSubmitted }, { source: '/s', at });
    expect(a.id).not.toBe(b.id);
    expect(a.causationId).toBeUndefined();
  });

  it('refuses an event with no member or two', () => {
    expect(() => envelopeOf('job', {} as never, { source: '/s', at })).toThrow('exactly one event');
    const two = { jobQueued: events.JobQueued.fromPartial({ jobId: 'j' }), jobPlaced: events.JobPlaced.fromPartial({ jobId: 'j' }) };
    expect(() => envelopeOf('job', two as never, { source: '/s', at })).toThrow('exactly one event');
  });

  it('idFrom is a pure UUID-shaped function of its seed', () => {
    expect(idFrom('a')).toBe(idFrom('a'));
    expect(idFrom('a')).not.toBe(idFrom('b'));
  });
});

describe('derived ids never collide within a family', () => {
  it('jobs: one cause deciding several jobs, several events of one job, a re-decision later, a retried attempt', () => {
    const placed = (jobId: string, attempt = 1, providerId = 'p-1') => ({
      jobPlaced: events.JobPlaced.fromPartial({ jobId, providerId, attempt }),
    });
    expectDistinctAndStable('job', [
      // One JobCompleted frees capacity: placement decides several waiting jobs from that one cause.
      [placed('job-1'), 'cause-1'],
      [placed('job-2'), 'cause-1'],
      // The same job, the same cause, another event type (a requeue then the new placement).
      [{ jobRequeued: events.JobRequeued.fromPartial({ jobId: 'job-1', attempt: 2 }) }, 'cause-1'],
      [placed('job-1', 2), 'cause-1'],
      [placed('job-1', 2, 'p-2'), 'cause-1'],
      // The same decision caused by another event, or at another time.
      [placed('job-1'), 'cause-2'],
      [placed('job-1'), 'cause-1', later],
      // Classifier and cancel: one event per cause.
      [{ jobClassified: events.JobClassified.fromPartial({ jobId: 'job-1' }) }, 'cause-3'],
      [{ jobCancelled: events.JobCancelled.fromPartial({ jobId: 'job-1' }) }, 'cause-3'],
    ]);
  });

  it('providers: one heartbeat sweep missing several providers, and two misses of one provider', () => {
    const missed = (providerId: string, missedCount: number) => ({
      providerHeartbeatMissed: events.ProviderHeartbeatMissed.fromPartial({ providerId, missedCount }),
    });
    expectDistinctAndStable('provider', [
      [missed('p-1', 1), 'sweep-1'],
      [missed('p-2', 1), 'sweep-1'],
      [missed('p-1', 2), 'sweep-1'],
      [{ providerRegistered: events.ProviderRegistered.fromPartial({ providerId: 'p-1' }) }, 'sweep-1'],
    ]);
  });

  it('usage: several reports of one job and attempt from one cause, the same report id of another attempt', () => {
    const reported = (reportId: string, attempt: number) => ({
      usageReported: events.UsageReported.fromPartial({ reportId, jobId: 'job-1', attempt }),
    });
    expectDistinctAndStable('usage', [
      [reported('r-1', 1), 'cause-1'],
      [reported('r-2', 1), 'cause-1'],
      [reported('r-1', 2), 'cause-1'],
      [{ usageMetered: events.UsageMetered.fromPartial({ usageId: 'usage:r-1', jobId: 'job-1', attempt: 1 }) }, 'cause-1'],
    ]);
  });

  it('ledger: a penalty and its posting from one cause, two postings of one source', () => {
    expectDistinctAndStable('ledger', [
      [
        { penaltyAssessed: events.PenaltyAssessed.fromPartial({ penaltyId: 'penalty:job-1:1', jobId: 'job-1', providerId: 'p-1' }) },
        'cause-1',
      ],
      [{ postingRecorded: events.PostingRecorded.fromPartial({ postingId: 'posting-a', sourceId: 'penalty:job-1:1' }) }, 'cause-1'],
      [{ postingRecorded: events.PostingRecorded.fromPartial({ postingId: 'posting-b', sourceId: 'penalty:job-1:1' }) }, 'cause-1'],
      [{ epochClosed: events.EpochClosed.fromPartial({ epochId: 'epoch-1' }) }, 'cause-1'],
    ]);
  });
});

describe('readEvent', () => {
  const envelope = (type: string, data: unknown) => ({
    id: 'e-1',
    type: `switchyard.events.v1.${type}`,
    subject: 'job-1',
    data: data as never,
  });

  it('reads the one member ce_type names', () => {
    const jobClassified = events.JobClassified.fromPartial({ jobId: 'job-1', matchedRuleId: 'r' });
    const written = envelopeOf('job', { jobClassified }, { source: '/s', at, cause: { causationId: 'c' } });
    expect(readEvent('job', written)).toEqual({ jobClassified });
    expect(requireEvent('job', written, 'jobClassified')).toEqual(jobClassified);
  });

  it('refuses what is not that member: another type, another family, a bare message, two members, no object', () => {
    const classified = events.JobClassified.toJSON(events.JobClassified.fromPartial({ jobId: 'job-1' }));
    expect(readEvent('job', envelope('JobPlaced', { jobClassified: classified }))).toBeUndefined();
    expect(readEvent('usage', envelope('JobClassified', { jobClassified: classified }))).toBeUndefined();
    expect(readEvent('job', envelope('JobClassified', classified))).toBeUndefined();
    expect(readEvent('job', envelope('JobClassified', { jobClassified: classified, jobQueued: { jobId: 'job-1' } }))).toBeUndefined();
    expect(readEvent('job', envelope('JobClassified', [classified]))).toBeUndefined();
    expect(readEvent('job', { ...envelope('JobClassified', {}), type: 'other.JobClassified' })).toBeUndefined();
    expect(() => requireEvent('job', envelope('JobClassified', classified), 'jobClassified')).toThrow('does not carry jobClassified');
  });
});
