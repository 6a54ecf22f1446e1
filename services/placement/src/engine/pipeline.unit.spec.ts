// Pipeline steps through whole scheduler cycles: a job waits, queued with the reason, until the
// jobs it depends on complete (whatever order their events arrive in), then prefers the provider
// that produced the output it reads; it fails when one of them fails, and so do the steps after
// it; a dependency that ended before the step arrived is looked up the way the engine does it
// (the outcomes of ended jobs are kept past a cycle only in the tables).
import { beforeEach, describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts';
import { GB, pending, Scheduler, ts } from './scheduler.fixtures.js';

const output = (jobId: string, bytes: bigint) => ({ jobId, outputSizeBytes: bytes.toString() });

describe('pipeline steps', () => {
  let s: Scheduler;
  let dear: string;
  beforeEach(() => {
    s = new Scheduler();
    dear = s.register('dear', '3000000');
  });

  it('waits with the reason until its dependencies complete, in any arrival order, then runs where its input is', () => {
    // The steps arrive before the job they depend on.
    s.submit(
      { jobId: 'step-3', dependsOn: [output('step-2', 200n * GB)] },
      { jobId: 'step-2', dependsOn: [output('step-1', 200n * GB)] },
      { jobId: 'step-1' },
    );
    expect(s.eventsOf('step-1').map((e) => e.jobPlaced?.providerId)).toEqual([dear]);
    for (const [step, waitsFor] of [
      ['step-2', 'step-1'],
      ['step-3', 'step-2'],
    ] as const) {
      const queued = s.eventsOf(step).map((e) => e.jobQueued);
      expect(queued).toHaveLength(1);
      expect(queued[0]!.reasons).toEqual([`waits for 1 job it depends on to complete: ${waitsFor}`]);
      expect(s.state.registry.jobs.get(step)!.waitingFor).toEqual([waitsFor]);
    }
    expect(s.state.waiting.size).toBe(0);

    // A cheaper provider appears: a step that reads 200 GB from the dearer one still goes there.
    const cheap = s.register('cheap', '1000000');
    s.report('step-1', 'COMPLETED');
    const placed2 = s.eventsOf('step-2').flatMap((e) => (e.jobPlaced ? [e.jobPlaced] : []));
    expect(placed2.map((p) => p.providerId)).toEqual([dear]);
    const [chosen, other] = placed2[0]!.decision!.candidates;
    expect(chosen!.factors!.fetchBytes).toBe('0');
    expect(other!.providerId).toBe(cheap);
    expect(other!.factors!.fetchBytes).toBe(String(200n * GB));
    expect(s.eventsOf('step-3').some((e) => e.jobPlaced)).toBe(false);

    s.report('step-2', 'COMPLETED');
    expect(s.eventsOf('step-3').flatMap((e) => (e.jobPlaced ? [e.jobPlaced.providerId] : []))).toEqual([dear]);
  });

  it('goes where it is cheapest when the output it reads is small', () => {
    s.submit({ jobId: 'first' });
    const cheap = s.register('cheap', '1000000');
    s.report('first', 'COMPLETED');
    s.submit({ jobId: 'small', dependsOn: [output('first', 1_000n)] });
    expect(s.eventsOf('small').flatMap((e) => (e.jobPlaced ? [e.jobPlaced.providerId] : []))).toEqual([cheap]);
  });

  it('fails when a dependency fails, and the steps after it fail too', () => {
    s.submit(
      { jobId: 'extract' },
      { jobId: 'transform', dependsOn: [output('extract', 0n)] },
      { jobId: 'load', dependsOn: [output('transform', 0n)] },
    );
    s.report('extract', 'FAILED');
    for (const [step, dependency] of [
      ['transform', 'extract'],
      ['load', 'transform'],
    ] as const) {
      const failed = s.eventsOf(step).flatMap((e) => (e.jobFailed ? [e.jobFailed] : []));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        category: api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY,
        source: events.FailureSource.FAILURE_SOURCE_SYSTEM,
        fault: events.Fault.FAULT_WORKLOAD,
        providerId: '',
        message: `job ${dependency}, which it depends on, ended FAILED instead of completing`,
      });
      expect(s.state.registry.jobs.has(step)).toBe(false);
    }
    expect(s.state.registry.dependents.size).toBe(0);
  });

  it('reads how a dependency ended before it arrived from the tables, not from memory', () => {
    s.submit({ jobId: 'done' }, { jobId: 'broken' });
    s.report('done', 'COMPLETED');
    s.report('broken', 'FAILED');
    expect(s.state.registry.outcomes.size).toBe(0);
    s.submit(
      { jobId: 'after-done', dependsOn: [output('done', 10n * GB)] },
      { jobId: 'after-broken', dependsOn: [output('done', 0n), output('broken', 0n)] },
    );
    expect(s.eventsOf('after-done').flatMap((e) => (e.jobPlaced ? [e.jobPlaced.providerId] : []))).toEqual([dear]);
    expect(s.eventsOf('after-broken').flatMap((e) => (e.jobFailed ? [e.jobFailed.category] : []))).toEqual([
      api.FailureCategory.FAILURE_CATEGORY_DEPENDENCY,
    ]);
  });

  it('a cancelled step stops waiting: its dependency completing later places nothing', () => {
    s.submit({ jobId: 'slow' }, { jobId: 'next', dependsOn: [output('slow', 0n)] });
    s.run([{ kind: 'events', events: [], ...pending }]);
    s.run([
      {
        kind: 'events',
        events: [
          {
            topic: 'jobs',
            partition: 0,
            offset: '999',
            appendedAt: new Date(s.nowMs),
            key: 'next',
            envelope: {
              id: 'cancel-next',
              type: 'switchyard.events.v1.JobCancelRequested',
              source: '/test',
              subject: 'next',
              time: new Date(s.nowMs).toISOString(),
              data: events.JobEvent.toJSON({
                jobCancelRequested: { jobId: 'next', reason: 'changed my mind', requestedAt: ts(s.nowMs) },
              }) as never,
            },
          },
        ],
        ...pending,
      },
    ]);
    expect(s.eventsOf('next').some((e) => e.jobCancelled)).toBe(true);
    expect(s.state.registry.dependents.size).toBe(0);
    s.report('slow', 'COMPLETED');
    expect(s.eventsOf('next').some((e) => e.jobPlaced)).toBe(false);
  });
});
