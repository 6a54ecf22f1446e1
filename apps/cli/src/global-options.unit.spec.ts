import { describe, expect, it } from '@jest/globals';
import { resolveGlobalOptions } from './global-options.js';

describe('global options', () => {
  it('defaults to Kafka when KAFKA_BROKERS is set, else to the PostgreSQL log', () => {
    expect(resolveGlobalOptions({}, { KAFKA_BROKERS: 'a:9092, b:9092' }, true)).toMatchObject({
      backend: 'kafka',
      brokers: ['a:9092', 'b:9092'],
    });
    expect(resolveGlobalOptions({}, { DATABASE_URL: 'postgres://x/db' }, true)).toMatchObject({
      backend: 'postgres',
      databaseUrl: 'postgres://x/db',
    });
    expect(resolveGlobalOptions({ backend: 'postgres' }, { KAFKA_BROKERS: 'a:9092' }, true).backend).toBe('postgres');
  });

  it('takes the topic prefix from the flag, then SWITCHYARD_TOPIC_PREFIX, then switchyard.', () => {
    expect(resolveGlobalOptions({ topicPrefix: 'x.' }, { SWITCHYARD_TOPIC_PREFIX: 'y.' }, true).topicPrefix).toBe('x.');
    expect(resolveGlobalOptions({}, { SWITCHYARD_TOPIC_PREFIX: 'y.' }, true).topicPrefix).toBe('y.');
    expect(resolveGlobalOptions({}, {}, true).topicPrefix).toBe('switchyard.');
  });

  it('colours only a terminal, and never with --no-color, NO_COLOR or --json', () => {
    expect(resolveGlobalOptions({}, {}, true).color).toBe(true);
    expect(resolveGlobalOptions({}, {}, false).color).toBe(false);
    expect(resolveGlobalOptions({ color: false }, {}, true).color).toBe(false);
    expect(resolveGlobalOptions({}, { NO_COLOR: '1' }, true).color).toBe(false);
    expect(resolveGlobalOptions({ json: true }, {}, true).color).toBe(false);
  });
});
