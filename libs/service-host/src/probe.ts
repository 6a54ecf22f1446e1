import { createRequire } from 'node:module';
import {
  credentials,
  loadPackageDefinition,
  type ChannelCredentials,
  type ClientOptions,
  type GrpcObject,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { PROTO_LOADER_OPTIONS } from './start-grpc-service.js';

// Client side of what every service serves: readiness checks for tests and scripts.

const reflectionProtoPath = createRequire(import.meta.url).resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

/** How a probe connects: plaintext unless told otherwise (TLS servers: see grpcChannelCredentials). */
export interface ProbeConnection {
  readonly credentials?: ChannelCredentials;
  readonly options?: ClientOptions;
}

/** Calls grpc.health.v1.Health/Check and returns the status name, e.g. `SERVING`. */
export async function checkHealth(address: string, service = '', timeoutMs = 2000, connection: ProbeConnection = {}): Promise<string> {
  const client = createClient(healthProtoPath, 'grpc.health.v1.Health', address, connection);
  try {
    const response = await new Promise<{ status: string }>((resolve, reject) => {
      client.check({ service }, { deadline: Date.now() + timeoutMs }, (error: Error | null, value: { status: string }) =>
        error ? reject(error) : resolve(value),
      );
    });
    return response.status;
  } finally {
    client.close();
  }
}

/** Lists the services a server exposes, through grpc.reflection.v1 ServerReflectionInfo. */
export async function listReflectedServices(address: string, timeoutMs = 2000): Promise<string[]> {
  const client = createClient(reflectionProtoPath, 'grpc.reflection.v1.ServerReflection', address);
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = client.serverReflectionInfo({ deadline: Date.now() + timeoutMs });
      call.on('data', (response: { listServicesResponse?: { service: { name: string }[] } }) => {
        resolve((response.listServicesResponse?.service ?? []).map((entry) => entry.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ listServices: '*' });
    });
  } finally {
    client.close();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- proto-loader clients are untyped until contracts generate types
type DynamicClient = any;

function createClient(protoPath: string, serviceName: string, address: string, connection: ProbeConnection = {}): DynamicClient {
  const root = loadPackageDefinition(loadSync(protoPath, PROTO_LOADER_OPTIONS));
  const Client = serviceName.split('.').reduce<unknown>((node, key) => (node as GrpcObject)[key], root);
  return new (Client as ServiceClientConstructor)(address, connection.credentials ?? credentials.createInsecure(), connection.options);
}
