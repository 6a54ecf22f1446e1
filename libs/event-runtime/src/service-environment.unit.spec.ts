import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { kafkaSecurityFromEnv, serviceEnvironment, withDatabaseTls } from './service-environment.js';

const dir = mkdtempSync(join(tmpdir(), 'service-env-'));
const file = (name: string, contents: string) => {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Kafka transport security from the environment', () => {
  const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
  const password = file('password', 's3cr3t-scram\n');

  it('is plaintext when nothing is set', () => {
    expect(kafkaSecurityFromEnv({})).toBeUndefined();
  });

  it('is TLS with KAFKA_SSL=true or a CA file, and SCRAM with mechanism, user and password file', () => {
    expect(kafkaSecurityFromEnv({ KAFKA_SSL: 'true' })).toEqual({ tls: {} });
    const security = kafkaSecurityFromEnv({
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'switchyard',
      KAFKA_SASL_PASSWORD_FILE: password,
    })!;
    expect(security.tls?.ca).toContain('BEGIN CERTIFICATE');
    expect(security.sasl?.mechanism).toBe('scram-sha-512');
    expect(security.sasl?.username).toBe('switchyard');
    expect(security.sasl?.password.reveal()).toBe('s3cr3t-scram');
  });

  it('never shows the password when the settings are logged', () => {
    const security = kafkaSecurityFromEnv({
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD_FILE: password,
    });
    const settings = serviceEnvironment(
      {
        DATABASE_URL: 'postgres://db/x',
        KAFKA_BROKERS: 'k:9092',
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD_FILE: password,
      },
      'svc',
    );
    for (const shown of [
      JSON.stringify(security),
      inspect(security, { depth: 5 }),
      String(security?.sasl?.password),
      JSON.stringify(settings),
      inspect(settings, { depth: 8 }),
    ]) {
      expect(shown).not.toContain('s3cr3t');
    }
  });

  it('refuses incomplete or unknown settings with the variable named', () => {
    expect(() => kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' })).toThrow(
      'needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE',
    );
    expect(() =>
      kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: password }),
    ).toThrow('KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512');
    expect(() => kafkaSecurityFromEnv({ KAFKA_SASL_USERNAME: 'u' })).toThrow('need KAFKA_SASL_MECHANISM');
    expect(() => kafkaSecurityFromEnv({ KAFKA_SSL_CERT_FILE: ca })).toThrow(
      'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together',
    );
    expect(() => kafkaSecurityFromEnv({ KAFKA_SSL: 'yes' })).toThrow('KAFKA_SSL must be true or false');
    expect(() => kafkaSecurityFromEnv({ KAFKA_SSL_CA_FILE: join(dir, 'nope.pem') })).toThrow(
      `KAFKA_SSL_CA_FILE: cannot read ${join(dir, 'nope.pem')} (ENOENT)`,
    );
  });
});

describe('Kafka client choice', () => {
  it('is KafkaJS unless KAFKA_CLIENT says platformatic, and refuses anything else', () => {
    const base = { DATABASE_URL: 'postgres://db/x', KAFKA_BROKERS: 'k:9092' };
    expect(serviceEnvironment(base, 'svc').eventLog).toEqual({ backend: 'kafka', brokers: ['k:9092'] });
    expect(serviceEnvironment({ ...base, KAFKA_CLIENT: 'platformatic' }, 'svc').eventLog).toMatchObject({ client: 'platformatic' });
    expect(() => serviceEnvironment({ ...base, KAFKA_CLIENT: 'rdkafka' }, 'svc')).toThrow(
      'KAFKA_CLIENT must be "kafkajs" or "platformatic", not "rdkafka"',
    );
  });
});

describe('PostgreSQL password from a file', () => {
  it('fills in a URL without a password, URL-encoded, and leaves one with a password alone', () => {
    const secret = file('pg-password', 'p@ss/word\n');
    expect(serviceEnvironment({ DATABASE_URL: 'postgres://switchyard@db:5432/x', DATABASE_PASSWORD_FILE: secret }, 'svc').databaseUrl).toBe(
      'postgres://switchyard:p%40ss%2Fword@db:5432/x',
    );
    expect(serviceEnvironment({ DATABASE_URL: 'postgres://u:given@db/x', DATABASE_PASSWORD_FILE: secret }, 'svc').databaseUrl).toBe(
      'postgres://u:given@db/x',
    );
  });
});

describe('PostgreSQL sslmode from the environment', () => {
  it('leaves the URL alone when unset, and applies the mode in libpq meaning when set', () => {
    expect(withDatabaseTls('postgres://u:p@db:5432/x', {})).toBe('postgres://u:p@db:5432/x');
    const root = file('root.crt', 'PEM');
    const url = new URL(
      withDatabaseTls('postgres://u:p@db:5432/x', { DATABASE_SSLMODE: 'verify-full', DATABASE_SSL_ROOT_CERT_FILE: root }),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({ sslmode: 'verify-full', sslrootcert: root, uselibpqcompat: 'true' });
  });

  it('applies to DATABASE_URL and the PostgreSQL log URL alike, and refuses an unknown mode', () => {
    const env = serviceEnvironment(
      { DATABASE_URL: 'postgres://db/x', EVENT_LOG_DATABASE_URL: 'postgres://log/y', DATABASE_SSLMODE: 'require' },
      'svc',
    );
    expect(new URL(env.databaseUrl).searchParams.get('sslmode')).toBe('require');
    expect(env.eventLog.backend === 'postgres' && new URL(env.eventLog.databaseUrl).searchParams.get('sslmode')).toBe('require');
    expect(() => withDatabaseTls('postgres://db/x', { DATABASE_SSLMODE: 'always' })).toThrow(
      'DATABASE_SSLMODE must be one of disable, prefer, require, verify-ca, verify-full',
    );
  });
});
