// Who is on the other end of a mutual-TLS connection, for controllers: the client certificate
// the server verified during the handshake (servers started with GRPC_TLS_CLIENT_CA_FILE refuse
// any client without one). Generic: which name means what (an operator id, a workload) is the
// service's decision.
import type { PeerCertificate } from 'node:tls';

export interface PeerIdentity {
  /** The subject's CN, if any. */
  readonly commonName?: string;
  /** The subject's O (organisation), if any. */
  readonly organization?: string;
  /** subjectAltName URIs, e.g. `spiffe://switchyard/operator/op-north`. */
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  /** SHA-256 fingerprint of the certificate, `AB:CD:...`. */
  readonly fingerprint256: string;
  readonly serialNumber: string;
  readonly validTo: string;
}

/** Anything that carries grpc-js's auth context: every server call object does. */
export interface CallWithAuthContext {
  getAuthContext?(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate } | null;
}

/**
 * The verified client certificate of a call, or undefined on a plaintext or server-only TLS
 * connection. Pass the third argument NestJS gives a `@GrpcMethod` handler (the call).
 */
export function peerIdentity(call: CallWithAuthContext | undefined): PeerIdentity | undefined {
  const certificate = call?.getAuthContext?.()?.sslPeerCertificate;
  if (!certificate?.raw) return undefined;
  const names = subjectAltNames(certificate.subjectaltname);
  return {
    ...(first(certificate.subject?.CN) ? { commonName: first(certificate.subject.CN)! } : {}),
    ...(first(certificate.subject?.O) ? { organization: first(certificate.subject.O)! } : {}),
    uris: names.filter(([kind]) => kind === 'URI').map(([, value]) => value),
    dnsNames: names.filter(([kind]) => kind === 'DNS').map(([, value]) => value),
    fingerprint256: certificate.fingerprint256,
    serialNumber: certificate.serialNumber,
    validTo: certificate.valid_to,
  };
}

/** Node reports a repeated subject field as an array. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `DNS:a.example, URI:spiffe://x` -> [['DNS', 'a.example'], ['URI', 'spiffe://x']]. */
function subjectAltNames(value: string | undefined): [string, string][] {
  if (!value) return [];
  return value
    .split(/,\s*/)
    .map((entry) => {
      const colon = entry.indexOf(':');
      return [entry.slice(0, colon), entry.slice(colon + 1)] as [string, string];
    })
    .filter(([kind, name]) => kind !== '' && name !== '');
}
