// The operator a provider's client certificate names, when placement runs with mutual TLS
// (GRPC_TLS_CLIENT_CA_FILE): the TLS handshake already verified the certificate against the
// operators' CA, so the name in it is the operator's identity. The name is the subjectAltName URI
// `spiffe://switchyard/operator/<operatorId>` when present, else the subject CN; either must be an
// operator placement knows (operators.json). With a bearer API key as well, both must agree.
import type { PeerIdentity } from '@switchyard/service-host';
import { NotAuthenticated } from '../rejections.js';

export const OPERATOR_URI_PREFIX = 'spiffe://switchyard/operator/';

/** The operator id a verified certificate claims, if it claims one. */
export function operatorClaimedBy(peer: PeerIdentity): string | undefined {
  const uri = peer.uris.find((u) => u.startsWith(OPERATOR_URI_PREFIX));
  if (uri) return uri.slice(OPERATOR_URI_PREFIX.length) || undefined;
  return peer.commonName || undefined;
}

/**
 * The calling operator from the client certificate, checked against the known operators and
 * against the operator the API key names (if a key was sent). Undefined without a certificate.
 */
export function operatorFromCertificate(
  peer: PeerIdentity | undefined,
  isKnownOperator: (operatorId: string) => boolean,
  operatorOfApiKey: string | undefined,
): string | undefined {
  if (!peer) return undefined;
  const claimed = operatorClaimedBy(peer);
  if (!claimed || !isKnownOperator(claimed)) {
    throw new NotAuthenticated(`the client certificate (serial ${peer.serialNumber}) names no known operator`);
  }
  if (operatorOfApiKey !== undefined && operatorOfApiKey !== claimed) {
    throw new NotAuthenticated('the API key and the client certificate belong to different operators');
  }
  return claimed;
}
