// Transport security of a gRPC server, from the environment:
//   GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE   PEM certificate chain and private key: TLS on (both or neither)
//   GRPC_TLS_CLIENT_CA_FILE                 PEM CA bundle: mutual TLS, every client must present a
//                                           certificate that bundle signed (others fail the handshake)
// Files, not values, so keys come from mounted secrets and never pass through the process's
// environment or its logs; only paths and certificate subjects are ever logged.
import { readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';

export interface GrpcTlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  /** Set: client certificates are required and verified against this CA bundle. */
  readonly clientCaFile?: string;
}

export class GrpcTlsConfigurationError extends Error {
  override readonly name = 'GrpcTlsConfigurationError';
}

/** The TLS settings the environment names, or undefined for a plaintext server. */
export function grpcTlsFromEnv(env: NodeJS.ProcessEnv): GrpcTlsSettings | undefined {
  const certFile = env.GRPC_TLS_CERT_FILE || undefined;
  const keyFile = env.GRPC_TLS_KEY_FILE || undefined;
  const clientCaFile = env.GRPC_TLS_CLIENT_CA_FILE || undefined;
  if (!certFile && !keyFile) {
    if (clientCaFile)
      throw new GrpcTlsConfigurationError(
        'GRPC_TLS_CLIENT_CA_FILE needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE (mutual TLS is TLS first)',
      );
    return undefined;
  }
  if (!certFile || !keyFile) throw new GrpcTlsConfigurationError('GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE must be set together');
  return { certFile, keyFile, ...(clientCaFile ? { clientCaFile } : {}) };
}

/** Server credentials for the settings; insecure when there are none. Fails fast on unreadable or non-PEM files. */
export function grpcServerCredentials(settings: GrpcTlsSettings | undefined): ServerCredentials {
  if (!settings) return ServerCredentials.createInsecure();
  const certChain = readPem(settings.certFile, 'GRPC_TLS_CERT_FILE', 'CERTIFICATE');
  const privateKey = readPem(settings.keyFile, 'GRPC_TLS_KEY_FILE', 'PRIVATE KEY');
  const clientCa = settings.clientCaFile ? readPem(settings.clientCaFile, 'GRPC_TLS_CLIENT_CA_FILE', 'CERTIFICATE') : null;
  return ServerCredentials.createSsl(clientCa, [{ cert_chain: certChain, private_key: privateKey }], clientCa !== null);
}

/** What a log line may say about the settings: paths and the mode, never contents. */
export function describeGrpcTls(settings: GrpcTlsSettings | undefined): string {
  if (!settings) return 'plaintext';
  return settings.clientCaFile
    ? `mutual TLS (client certificates verified against ${settings.clientCaFile})`
    : `TLS (${settings.certFile})`;
}

function readPem(path: string, variable: string, label: string): Buffer {
  let contents: Buffer;
  try {
    contents = readFileSync(path);
  } catch (error) {
    throw new GrpcTlsConfigurationError(`${variable}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // Matches "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY".
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(contents.toString('latin1'))) {
    throw new GrpcTlsConfigurationError(`${variable}: ${path} is not a PEM ${label.toLowerCase()}`);
  }
  return contents;
}
