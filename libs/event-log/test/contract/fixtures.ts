// Small helpers shared by the contract suite and the backend-specific integration tests.
import { randomUUID } from 'node:crypto';
import type { EventEnvelope, JsonValue, LoggedEvent } from '../../src/index.js';

export const SAMPLE_TYPE = 'switchyard.events.v1.SampleHappened';

export function sampleEvent(subject: string, data: JsonValue, extra: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: randomUUID(),
    type: SAMPLE_TYPE,
    source: '/switchyard/event-log-contract',
    subject,
    time: '2025-03-01T12:00:00.000Z',
    data,
    ...extra,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { eventually } from '@switchyard/testing';

export async function collect(events: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const all: LoggedEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}
