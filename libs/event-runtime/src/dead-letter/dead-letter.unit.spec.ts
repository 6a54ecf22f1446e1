import { describe, expect, it } from '@jest/globals';
import type { LoggedEvent } from '@switchyard/event-log';
import { DEAD_LETTER_TYPE, deadLetterTopic, fromDeadLetterEnvelope, toDeadLetterEnvelope } from './dead-letter.js';

const failed: LoggedEvent = {
  topic: 'switchyard.jobs.v1',
  partition: 3,
  offset: '41',
  appendedAt: new Date('2026-01-01T00:00:01Z'),
  key: 'job-7',
  envelope: {
    id: 'evt-1',
    type: 'switchyard.events.v1.JobSubmitted',
    source: '/switchyard/intake',
    subject: 'job-7',
    time: '2026-01-01T00:00:00Z',
    correlationId: 'job-7',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    data: { jobId: 'job-7' },
  },
};

describe('dead letters', () => {
  it('names the DLT after the topic', () => {
    expect(deadLetterTopic('switchyard.jobs.v1')).toBe('switchyard.jobs.v1-dlt');
  });

  it('carries origin, error and attempts, keeps the key and trace, and gives the original envelope back', () => {
    const letter = toDeadLetterEnvelope(failed, 'placement', 'no such tier', 5, new Date('2026-01-01T00:00:09Z'));
    expect(letter).toMatchObject({
      type: DEAD_LETTER_TYPE,
      subject: 'job-7',
      causationId: 'evt-1',
      correlationId: 'job-7',
      traceparent: failed.envelope.traceparent,
      time: '2026-01-01T00:00:09.000Z',
    });
    expect(fromDeadLetterEnvelope(letter)).toEqual({
      originalTopic: 'switchyard.jobs.v1',
      originalPartition: 3,
      originalOffset: '41',
      consumerGroup: 'placement',
      error: 'no such tier',
      attempts: 5,
      deadLetteredAt: '2026-01-01T00:00:09.000Z',
      envelope: failed.envelope,
    });
  });

  it('gives the same id when the same record is dead-lettered again', () => {
    const a = toDeadLetterEnvelope(failed, 'placement', 'x', 5, new Date(1));
    const b = toDeadLetterEnvelope(failed, 'placement', 'y', 5, new Date(2));
    expect(a.id).toBe(b.id);
  });

  it('refuses an envelope that is not a dead letter', () => {
    expect(() => fromDeadLetterEnvelope(failed.envelope)).toThrow('not a dead letter');
  });

  it('names its payload message in ce_dataschema, and reads letters written before the payload had a proto', () => {
    const letter = toDeadLetterEnvelope(failed, 'placement', 'no such tier', 5, new Date('2026-01-01T00:00:09Z'));
    expect(letter.dataschema).toBe('urn:switchyard:proto:switchyard.events.v1.EventDeadLettered');
    const legacy = { ...letter, type: 'switchyard.runtime.v1.EventDeadLettered', dataschema: undefined };
    expect(fromDeadLetterEnvelope(legacy)).toEqual(fromDeadLetterEnvelope(letter));
    expect(() => fromDeadLetterEnvelope({ ...letter, data: { error: 'x' } })).toThrow('malformed dead letter');
  });
});
