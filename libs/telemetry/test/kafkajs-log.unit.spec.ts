// KafkaJS's entries at the level they deserve: conditions it retries by itself are debug, real
// failures stay errors; every entry keeps its fields and becomes one JSON line.
import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger, kafkaLogCreator, levelOfKafkaEntry, type KafkaLogEntry } from '../src/index.js';

const entry = (level: number, message: string, error?: string): KafkaLogEntry => ({
  namespace: 'Connection',
  level,
  label: 'ERROR',
  log: { message, ...(error ? { error } : {}), broker: '127.0.0.1:9092' },
});

describe('KafkaJS log lines', () => {
  it('puts retried conditions at debug and keeps real failures at error', () => {
    expect(levelOfKafkaEntry(entry(1, 'Response Metadata(key: 3, version: 6)', 'This server does not host this topic-partition'))).toBe(
      'debug',
    );
    expect(levelOfKafkaEntry(entry(1, 'Response Heartbeat(key: 12, version: 3)', 'The group is rebalancing, so a rejoin is needed'))).toBe(
      'debug',
    );
    expect(
      levelOfKafkaEntry(
        entry(
          1,
          'Response InitProducerId(key: 22, version: 1)',
          "The coordinator is loading and hence can't process requests for this group",
        ),
      ),
    ).toBe('debug');
    expect(levelOfKafkaEntry(entry(1, 'Response CreateTopics(key: 19, version: 3)', 'Topic creation errors'))).toBe('debug');
    expect(
      levelOfKafkaEntry(entry(1, 'Crash: KafkaJSNumberOfRetriesExceeded', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092')),
    ).toBe('error');
    expect(levelOfKafkaEntry(entry(2, 'Consumer group is rebalancing'))).toBe('warn');
    expect(levelOfKafkaEntry(entry(4, 'Consumer has joined the group'))).toBe('info');
  });

  it('writes each entry as one JSON line of the process format', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const log = kafkaLogCreator(createLogger({ level: 'info', destination }))(1);
    log(entry(1, 'Response Metadata(key: 3, version: 6)', 'This server does not host this topic-partition'));
    log(entry(1, 'Crash: KafkaJSNumberOfRetriesExceeded', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        context: 'kafkajs',
        msg: 'Crash: KafkaJSNumberOfRetriesExceeded',
        error: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
        broker: '127.0.0.1:9092',
        kafka_namespace: 'Connection',
      }),
    ]);
  });
});
