// Provider calls are decided by the active scheduler. An instance that is not the leader passes a
// unary call on to the leader (its address is in the lease) with the caller's credentials and
// hands back the leader's answer, status and details included; so providers may talk to any
// instance. Streams are served by every instance itself (the assignment feed reads the tables).
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { api } from '@switchyard/contracts';

type UnaryMethod = 'registerProvider' | 'heartbeat' | 'reportStarted' | 'reportCompleted' | 'reportFailed';

// The server hands requests over in proto-loader's shape (unset messages are null); the client
// encodes ts-proto's (unset is undefined): normalise through the message's own fromPartial.
const REQUEST_TYPES: Record<UnaryMethod, { fromPartial(value: never): unknown }> = {
  registerProvider: api.RegisterProviderRequest,
  heartbeat: api.HeartbeatRequest,
  reportStarted: api.ReportStartedRequest,
  reportCompleted: api.ReportCompletedRequest,
  reportFailed: api.ReportFailedRequest,
};

/** Headers worth passing on: the caller's credentials and its trace. */
const FORWARDED = ['authorization', 'traceparent', 'tracestate'];

export class LeaderForwarding {
  private readonly clients = new Map<string, api.ProviderServiceClient>();

  forward<Res>(address: string, method: UnaryMethod, request: unknown, incoming: Metadata, deadlineMs = 10_000): Promise<Res> {
    const metadata = new Metadata();
    for (const key of FORWARDED) for (const value of incoming.get(key)) metadata.add(key, value);
    const client = this.clientFor(address);
    return new Promise<Res>((resolve, reject) => {
      const call = client[method].bind(client) as unknown as (
        req: unknown,
        md: Metadata,
        options: { deadline: number },
        cb: (error: ServiceError | null, response: Res) => void,
      ) => unknown;
      call(REQUEST_TYPES[method].fromPartial(request as never), metadata, { deadline: Date.now() + deadlineMs }, (error, response) => {
        if (error) reject(new RpcException({ code: error.code, message: error.details, metadata: error.metadata }));
        else resolve(response);
      });
    });
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private clientFor(address: string): api.ProviderServiceClient {
    let client = this.clients.get(address);
    if (client === undefined) this.clients.set(address, (client = new api.ProviderServiceClient(address, credentials.createInsecure())));
    return client;
  }
}
