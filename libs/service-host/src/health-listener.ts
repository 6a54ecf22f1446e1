// A second, plaintext listener that answers grpc.health.v1 only, for probes that cannot speak
// TLS (Kubernetes' gRPC probes never do) or hold a client certificate (mutual TLS). It serves the
// same HealthImplementation as the main server, so both report the same status; nothing else is
// reachable through it. GRPC_HEALTH_URL (`host:port`) turns it on.
import { Server as GrpcServer, ServerCredentials } from '@grpc/grpc-js';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { HealthImplementation } from 'grpc-health-check';

const HEALTH_LISTENER_TRANSPORT = Symbol('PLAINTEXT_HEALTH');

export class HealthListener extends Server implements CustomTransportStrategy {
  override readonly transportId = HEALTH_LISTENER_TRANSPORT;
  private server: GrpcServer | undefined;

  constructor(
    private readonly health: HealthImplementation,
    private readonly url: string,
  ) {
    super();
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    const server = new GrpcServer();
    this.health.addToServer(server);
    try {
      await new Promise<number>((resolve, reject) =>
        server.bindAsync(this.url, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
      );
      this.server = server;
      this.logger.log(`health-only listener (plaintext) on ${this.url}`);
      callback();
    } catch (error) {
      callback(new Error(`GRPC_HEALTH_URL ${this.url}: ${(error as Error).message}`));
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }

  on(): never {
    throw new Error('the health listener has no events');
  }

  unwrap<T>(): T {
    return this.server as T;
  }
}

/** The health listener the environment asks for, if any. */
export function healthListenersFromEnv(health: HealthImplementation, env: NodeJS.ProcessEnv): HealthListener[] {
  return env.GRPC_HEALTH_URL ? [new HealthListener(health, env.GRPC_HEALTH_URL)] : [];
}
