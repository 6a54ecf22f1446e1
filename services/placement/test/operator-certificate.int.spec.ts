// Mutual TLS on the provider API: with GRPC_TLS_CLIENT_CA_FILE set, an operator's client
// certificate (subjectAltName URI spiffe://switchyard/operator/<id>, or its CN) is its identity
// for RegisterProvider, no API key needed; a certificate naming an unknown operator, or an API
// key of another operator than the certificate's, is UNAUTHENTICATED; a client without a
// certificate the CA signed does not get past the handshake.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { credentials, status } from '@grpc/grpc-js';
import { TestCertificates } from '@switchyard/testing';
import { PlacementFixture, ProviderClient } from './support/placement-fixture.js';

describe('placement with mutual TLS: the operator is who its certificate says', () => {
  const fixture = new PlacementFixture('postgres');
  const certs = new TestCertificates();
  const stranger = new TestCertificates('Not the operators CA');
  const clients: ProviderClient[] = [];
  let address = '';
  const client = (issued: { keyPem: string; certPem: string }, ca = certs.ca.certPem): ProviderClient => {
    const c = new ProviderClient(address, credentials.createSsl(Buffer.from(ca), Buffer.from(issued.keyPem), Buffer.from(issued.certPem)));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    await fixture.setUp();
    const server = certs.server();
    const service = await fixture.startService({
      GRPC_TLS_CERT_FILE: server.certFile,
      GRPC_TLS_KEY_FILE: server.keyFile,
      GRPC_TLS_CLIENT_CA_FILE: certs.write('clients-ca.pem', certs.ca.certPem),
    });
    address = service.address;
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await fixture.tearDown();
    certs.dispose();
    stranger.dispose();
  }, 60_000);

  it('registers a provider for the operator its certificate names, without an API key, and the provider token works over the same channel', async () => {
    const north = fixture.operators[0]!;
    const provider = client(
      certs.client('north', { commonName: 'north-gateway', uri: `spiffe://switchyard/operator/${north.operatorId}` }),
    );
    const registered = await provider.register(north, {}, { apiKey: false });
    expect(registered.providerId).toMatch(/^prv_/);
    await expect(provider.heartbeat()).resolves.toMatchObject({ heartbeatIntervalMs: expect.any(Number) });
  });

  it('takes the subject CN when the certificate has no operator URI', async () => {
    const south = fixture.operators[1]!;
    await expect(
      client(certs.client('south', { commonName: south.operatorId })).register(south, {}, { apiKey: false }),
    ).resolves.toMatchObject({ providerId: expect.stringMatching(/^prv_/) });
  });

  it('refuses a certificate naming no known operator, and an API key of another operator than the certificate', async () => {
    const [north, south] = fixture.operators;
    const unknown = client(certs.client('ghost', { commonName: 'ghost', uri: 'spiffe://switchyard/operator/op-ghost' }));
    await expect(unknown.register({ operatorId: 'op-ghost', apiKey: 'x' }, {}, { apiKey: false })).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: expect.stringMatching(/names no known operator/),
    });
    const mixed = client(certs.client('north-2', { commonName: north!.operatorId }));
    await expect(mixed.register(south!)).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: expect.stringMatching(/different operators/),
    });
  });

  it('does not let a client whose certificate another CA signed past the handshake', async () => {
    const outsider = client(stranger.client('outsider', { commonName: fixture.operators[0]!.operatorId }));
    await expect(outsider.register(fixture.operators[0]!, {}, { apiKey: false })).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });
});
