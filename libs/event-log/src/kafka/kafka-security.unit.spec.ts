import { describe, expect, it } from '@jest/globals';
import { kafkaJsSecurity } from './kafka-event-log.js';
import { describeKafkaSecurity, Secret } from './kafka-security.js';

describe('Kafka security for KafkaJS', () => {
  it('maps TLS with a private CA and a client certificate, and SCRAM credentials', () => {
    const options = kafkaJsSecurity({
      tls: { ca: 'CA', cert: 'CERT', key: new Secret('KEY') },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: new Secret('pw') },
    });
    expect(options).toEqual({
      ssl: { ca: ['CA'], cert: 'CERT', key: 'KEY' },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'pw' },
    });
    expect(kafkaJsSecurity({ tls: {} })).toEqual({ ssl: true });
    expect(kafkaJsSecurity(undefined)).toEqual({});
  });

  it('describes itself as Kafka names the protocol, without the password', () => {
    expect(describeKafkaSecurity(undefined)).toBe('PLAINTEXT');
    expect(
      describeKafkaSecurity({ tls: {}, sasl: { mechanism: 'scram-sha-256', username: 'switchyard', password: new Secret('pw') } }),
    ).toBe('SASL_SSL (SCRAM-SHA-256 as switchyard)');
  });
});
