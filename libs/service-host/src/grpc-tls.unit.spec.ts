import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { describeGrpcTls, grpcServerCredentials, grpcTlsFromEnv } from './grpc-tls.js';

describe('gRPC TLS settings from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-tls-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is plaintext when nothing is set, TLS with a certificate and key, mutual TLS with a client CA', () => {
    expect(grpcTlsFromEnv({})).toBeUndefined();
    expect(grpcTlsFromEnv({ GRPC_TLS_CERT_FILE: '/c', GRPC_TLS_KEY_FILE: '/k' })).toEqual({ certFile: '/c', keyFile: '/k' });
    expect(grpcTlsFromEnv({ GRPC_TLS_CERT_FILE: '/c', GRPC_TLS_KEY_FILE: '/k', GRPC_TLS_CLIENT_CA_FILE: '/ca' })).toEqual({
      certFile: '/c',
      keyFile: '/k',
      clientCaFile: '/ca',
    });
  });

  it('refuses half a configuration, naming the variables', () => {
    expect(() => grpcTlsFromEnv({ GRPC_TLS_CERT_FILE: '/c' })).toThrow('GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE must be set together');
    expect(() => grpcTlsFromEnv({ GRPC_TLS_CLIENT_CA_FILE: '/ca' })).toThrow(
      'GRPC_TLS_CLIENT_CA_FILE needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE',
    );
  });

  it('fails at start on a missing or non-PEM file, and never puts file contents in the message', () => {
    const secret = join(dir, 'key.txt');
    writeFileSync(secret, 'hunter2-not-a-key');
    expect(() => grpcServerCredentials({ certFile: join(dir, 'missing.crt'), keyFile: secret })).toThrow(
      `GRPC_TLS_CERT_FILE: cannot read ${join(dir, 'missing.crt')}: ENOENT`,
    );
    const cert = join(dir, 'cert.pem');
    writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
    expect(() => grpcServerCredentials({ certFile: cert, keyFile: secret })).toThrow(
      `GRPC_TLS_KEY_FILE: ${secret} is not a PEM private key`,
    );
    try {
      grpcServerCredentials({ certFile: cert, keyFile: secret });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('describes itself by mode and path only', () => {
    expect(describeGrpcTls(undefined)).toBe('plaintext');
    expect(describeGrpcTls({ certFile: '/c', keyFile: '/k', clientCaFile: '/ca' })).toBe(
      'mutual TLS (client certificates verified against /ca)',
    );
  });
});
