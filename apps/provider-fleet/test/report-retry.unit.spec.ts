import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { sendUntilAnswered } from '../src/report-retry.js';

function grpcError(code: status, details = status[code]): ServiceError {
  return Object.assign(new Error(`${code} ${details}`), { code, details: String(details), metadata: new Metadata() });
}

const fast = { initialDelayMs: 1, maxDelayMs: 4, giveUpAfterMs: Number.POSITIVE_INFINITY };

describe('a simulated provider reports like a careful one', () => {
  it('sends the same report again while placement is unavailable, until it is acknowledged', async () => {
    const report = { reportId: 'p-1:job-1:1', gpuMilliseconds: '1000' };
    const sent: unknown[] = [];
    // Placement restarting: refused connections, then an outage answer, then the acknowledgement.
    const answers = [
      grpcError(status.UNAVAILABLE),
      grpcError(status.UNAVAILABLE),
      grpcError(status.DEADLINE_EXCEEDED),
      grpcError(status.UNKNOWN),
      null,
    ];
    const retries: number[] = [];
    const pending = sendUntilAnswered(
      (done) => {
        sent.push(report);
        setImmediate(() => done(answers.shift()!));
      },
      fast,
      (_, attempt) => retries.push(attempt),
    );
    await expect(pending.done).resolves.toBeNull();
    expect(sent).toHaveLength(5);
    expect(new Set(sent.map((r) => (r as typeof report).reportId))).toEqual(new Set(['p-1:job-1:1']));
    expect(retries).toEqual([1, 2, 3, 4]);
  });

  it("stops at a definitive refusal (the run is not placement's any more)", async () => {
    let calls = 0;
    const pending = sendUntilAnswered((done) => {
      calls++;
      setImmediate(() => done(calls === 1 ? grpcError(status.UNAVAILABLE) : grpcError(status.FAILED_PRECONDITION)));
    }, fast);
    await expect(pending.done).resolves.toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(calls).toBe(2);
  });

  describe('on a fake clock (jest timers: setTimeout, setImmediate and Date.now advance only when told)', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it('stops sending when the provider stops', async () => {
      jest.useFakeTimers();
      let calls = 0;
      const pending = sendUntilAnswered(
        (done) => {
          calls++;
          setImmediate(() => done(grpcError(status.UNAVAILABLE)));
        },
        { ...fast, initialDelayMs: 50, maxDelayMs: 50 },
      );
      // The first attempt fails and its retry is scheduled 50 ms out; the provider stops before it.
      await jest.advanceTimersByTimeAsync(10);
      expect(calls).toBe(1);
      expect(jest.getTimerCount()).toBe(1);
      pending.cancel();
      await expect(pending.done).resolves.toBe('stopped');
      // Nothing is left to fire, however long the clock runs on.
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(calls).toBe(1);
    });

    it('backs off 50, 100, 200 ms and then holds at the ceiling', async () => {
      jest.useFakeTimers();
      const sentAt: number[] = [];
      const start = Date.now();
      const pending = sendUntilAnswered(
        (done) => {
          sentAt.push(Date.now() - start);
          done(grpcError(status.UNAVAILABLE)); // answered at once: the clock moves only by the pauses
        },
        { initialDelayMs: 50, maxDelayMs: 200, giveUpAfterMs: Number.POSITIVE_INFINITY },
      );
      await jest.advanceTimersByTimeAsync(750);
      pending.cancel();
      expect(sentAt).toEqual([0, 50, 150, 350, 550, 750]);
    });

    it('gives up once the next pause would pass giveUpAfterMs', async () => {
      jest.useFakeTimers();
      let calls = 0;
      const pending = sendUntilAnswered(
        (done) => {
          calls++;
          done(grpcError(status.UNAVAILABLE));
        },
        { initialDelayMs: 100, maxDelayMs: 100, giveUpAfterMs: 250 },
      );
      await jest.advanceTimersByTimeAsync(1_000);
      await expect(pending.done).resolves.toBe('gave up');
      // Sent at 0, 100 and 200 ms; a pause after the third would end at 300 ms, past 250.
      expect(calls).toBe(3);
    });
  });
});
