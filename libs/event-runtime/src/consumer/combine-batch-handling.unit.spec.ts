import { beforeEach, describe, expect, it } from '@jest/globals';
import type { LoggedEvent } from '@switchyard/event-log';
import type { BatchHandling } from './event-context.js';
import { combineBatchHandling } from './combine-batch-handling.js';

const event = (type: string, id: string): LoggedEvent => ({ envelope: { type, id } }) as unknown as LoggedEvent;

describe('combineBatchHandling', () => {
  const calls: string[][] = [];
  const handling = (name: string, types: string[]): BatchHandling => ({
    types: new Set(types),
    handle: async (events) => {
      calls.push([name, ...events.map((e) => e.envelope.id)]);
    },
  });
  beforeEach(() => {
    calls.length = 0;
  });

  it('cuts a run into consecutive stretches per handling, in log order', async () => {
    const combined = combineBatchHandling(handling('jobs', ['A', 'B']), handling('usage', ['U']));
    expect([...combined.types].sort()).toEqual(['A', 'B', 'U']);
    await combined.handle([event('A', '1'), event('B', '2'), event('U', '3'), event('U', '4'), event('A', '5')], {} as never);
    expect(calls).toEqual([
      ['jobs', '1', '2'],
      ['usage', '3', '4'],
      ['jobs', '5'],
    ]);
  });

  it('refuses two handlings of one type, and a type no handling takes', async () => {
    expect(() => combineBatchHandling(handling('a', ['A']), handling('b', ['A']))).toThrow(/two batch handlings take A/);
    await expect(combineBatchHandling(handling('a', ['A'])).handle([event('Z', '1')], {} as never)).rejects.toThrow(
      /no batch handling takes Z/,
    );
    expect(calls).toEqual([]);
  });
});
