import { describe, expect, it } from '@jest/globals';
import type { PeerIdentity } from '@switchyard/service-host';
import { operatorClaimedBy, operatorFromCertificate } from './certificate-operator.js';

const peer = (over: Partial<PeerIdentity>): PeerIdentity => ({
  uris: [],
  dnsNames: [],
  fingerprint256: 'AB:CD',
  serialNumber: '0A',
  validTo: 'never',
  ...over,
});
const known = (id: string) => ['op-north', 'op-south'].includes(id);

describe('operator from a verified client certificate', () => {
  it('reads the operator URI first, the common name otherwise', () => {
    expect(operatorClaimedBy(peer({ commonName: 'gpu-17.north.example', uris: ['spiffe://switchyard/operator/op-north'] }))).toBe(
      'op-north',
    );
    expect(operatorClaimedBy(peer({ commonName: 'op-south' }))).toBe('op-south');
  });

  it('accepts a known operator, alone or agreeing with the API key', () => {
    expect(operatorFromCertificate(peer({ commonName: 'op-north' }), known, undefined)).toBe('op-north');
    expect(operatorFromCertificate(peer({ commonName: 'op-north' }), known, 'op-north')).toBe('op-north');
    expect(operatorFromCertificate(undefined, known, 'op-north')).toBeUndefined();
  });

  it('refuses an unknown operator and a certificate that disagrees with the key', () => {
    expect(() => operatorFromCertificate(peer({ commonName: 'op-west' }), known, undefined)).toThrow('names no known operator');
    expect(() => operatorFromCertificate(peer({ commonName: 'op-north' }), known, 'op-south')).toThrow('different operators');
  });
});
