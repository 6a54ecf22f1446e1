// TLS and mutual TLS on a real gRPC server over a socket, with certificates made for the test:
// real handshakes, clients without the right certificate refused, the verified client identity
// handed to the controller, and the plaintext health-only listener for probes.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { credentials, loadPackageDefinition, type ChannelCredentials, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  checkHealth,
  peerIdentity,
  PROTO_LOADER_OPTIONS,
  startGrpcService,
  type CallWithAuthContext,
  type RunningGrpcService,
} from '../src/index.js';
import { resolveListenAddress } from '../src/listen-address.js';
import { TestCertificates } from '@switchyard/testing';

const protoPath = fileURLToPath(new URL('./fixtures/dispatch.proto', import.meta.url));

/** Answers with who the server verified the caller to be. */
@Controller()
class WhoAmIController {
  @GrpcMethod('DispatchService', 'Ping')
  ping(_request: unknown, _metadata: unknown, call: CallWithAuthContext): { jobId: string; sequence: string } {
    const peer = peerIdentity(call);
    return { jobId: peer ? `${peer.commonName}|${peer.uris.join(',')}` : 'anonymous', sequence: '1' };
  }
}

@Module({ controllers: [WhoAmIController] })
class WhoAmIModule {}

function ping(address: string, channel: ChannelCredentials): Promise<string> {
  const root = loadPackageDefinition(loadSync(protoPath, PROTO_LOADER_OPTIONS));
  const v1 = ((root.fixture as GrpcObject).dispatch as GrpcObject).v1 as GrpcObject;
  const client = new (v1.DispatchService as ServiceClientConstructor)(address, channel);
  const call = client.Ping!.bind(client) as (r: object, o: object, cb: (e: Error | null, v: { jobId: string }) => void) => void;
  return new Promise<string>((resolve, reject) =>
    call({ jobId: 'x' }, { deadline: Date.now() + 3000 }, (error, value) => (error ? reject(error) : resolve(value.jobId))),
  ).finally(() => client.close());
}

const start = (tls: Parameters<typeof startGrpcService>[0]['tls']) =>
  startGrpcService({
    name: 'tls-fixture',
    module: WhoAmIModule,
    url: '127.0.0.1:0',
    protos: { files: [protoPath], packages: ['fixture.dispatch.v1'] },
    handleSignals: false,
    tls,
  });

describe('gRPC server TLS', () => {
  const certs = new TestCertificates();
  const stranger = new TestCertificates('Untrusted CA');
  const server = certs.server();
  const trusted = () => credentials.createSsl(Buffer.from(certs.ca.certPem));

  afterAll(() => {
    certs.dispose();
    stranger.dispose();
  });

  describe('server TLS', () => {
    let service: RunningGrpcService;
    beforeAll(async () => {
      service = await start({ certFile: server.certFile, keyFile: server.keyFile });
    });
    afterAll(() => service.app.close());

    it('completes a handshake with a client that trusts the CA, and serves health over it', async () => {
      expect(await ping(service.address, trusted())).toBe('anonymous');
      expect(await checkHealth(service.address, '', 2000, { credentials: trusted() })).toBe('SERVING');
    });

    it('refuses a plaintext client and a client that does not trust the certificate', async () => {
      await expect(ping(service.address, credentials.createInsecure())).rejects.toMatchObject({ code: 14 });
      await expect(ping(service.address, credentials.createSsl(Buffer.from(stranger.ca.certPem)))).rejects.toMatchObject({ code: 14 });
    });
  });

  describe('mutual TLS', () => {
    let service: RunningGrpcService;
    let healthUrl: string;
    const operator = certs.client('op-north', {
      commonName: 'op-north',
      organization: 'North GPUs',
      uri: 'spiffe://switchyard/operator/op-north',
    });
    const impostor = stranger.client('op-north-fake', { commonName: 'op-north' });

    beforeAll(async () => {
      healthUrl = await resolveListenAddress('127.0.0.1:0');
      process.env.GRPC_HEALTH_URL = healthUrl;
      try {
        service = await start({ certFile: server.certFile, keyFile: server.keyFile, clientCaFile: certs.ca.certFile });
      } finally {
        delete process.env.GRPC_HEALTH_URL;
      }
    });
    afterAll(() => service.app.close());

    it("hands the controller the identity of the client's verified certificate", async () => {
      const channel = credentials.createSsl(Buffer.from(certs.ca.certPem), Buffer.from(operator.keyPem), Buffer.from(operator.certPem));
      expect(await ping(service.address, channel)).toBe('op-north|spiffe://switchyard/operator/op-north');
    });

    it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
      await expect(ping(service.address, trusted())).rejects.toMatchObject({ code: 14 });
      const forged = credentials.createSsl(Buffer.from(certs.ca.certPem), Buffer.from(impostor.keyPem), Buffer.from(impostor.certPem));
      await expect(ping(service.address, forged)).rejects.toMatchObject({ code: 14 });
    });

    it('answers probes on the plaintext health listener, and nothing else there', async () => {
      expect(await checkHealth(healthUrl)).toBe('SERVING');
      await expect(ping(healthUrl, credentials.createInsecure())).rejects.toMatchObject({ code: 12 });
    });
  });
});
