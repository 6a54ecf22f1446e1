#!/usr/bin/env node
// The container health probe: `node node_modules/@switchyard/service-host/dist/health-probe.js [host:port]`.
// Asks grpc.health.v1 of the service in this container and exits 0 when it is SERVING, 1 when it
// is not or does not answer within 2 s. Target: the argument, else GRPC_HEALTH_URL (the plaintext
// health-only listener), else GRPC_URL; a wildcard host (0.0.0.0, [::]) is probed on loopback.
// Against a TLS port (GRPC_TLS_CERT_FILE set, no GRPC_HEALTH_URL) it speaks TLS without checking
// the certificate's name or chain: it is its own server on loopback and sends nothing secret.
// A mutual-TLS port refuses it: set GRPC_HEALTH_URL there.
import { credentials } from '@grpc/grpc-js';
import { checkHealth, type ProbeConnection } from './probe.js';

const env = process.env;
const viaHealthListener = !process.argv[2] && Boolean(env.GRPC_HEALTH_URL);
const target = loopback(process.argv[2] ?? env.GRPC_HEALTH_URL ?? env.GRPC_URL ?? '127.0.0.1:50051');
const connection: ProbeConnection =
  !viaHealthListener && env.GRPC_TLS_CERT_FILE
    ? { credentials: credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined }) }
    : {};

try {
  const status = await checkHealth(target, '', 2000, connection);
  console.log(`${target}: ${status}`);
  process.exit(status === 'SERVING' ? 0 : 1);
} catch (error) {
  console.log(`${target}: ${(error as Error).message}`);
  process.exit(1);
}

function loopback(address: string): string {
  return address.replace(/^(0\.0\.0\.0|\[::\]):/, '127.0.0.1:');
}
