import { describe, expect, it } from '@jest/globals';
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

  it('stops sending when the provider stops', async () => {
    let calls = 0;
    const pending = sendUntilAnswered(
      (done) => {
        calls++;
        setImmediate(() => done(grpcError(status.UNAVAILABLE)));
      },
      { ...fast, initialDelayMs: 50, maxDelayMs: 50 },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    pending.cancel();
    await expect(pending.done).resolves.toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(1);
  });
});
