// Promise-returning wrappers over the generated grpc-js clients, with the caller's key as
// `authorization: Bearer <key>` metadata — what an enterprise or a provider sends.
import { credentials, Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';

type Unary<Req, Res> = (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => unknown;

export function bearer(key: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

function call<Req, Res>(method: Unary<Req, Res>, self: object, request: Req, metadata: Metadata): Promise<Res> {
  return new Promise((resolve, reject) =>
    method.call(self, request, metadata, (error: ServiceError | null, response: Res) => (error ? reject(error) : resolve(response))),
  );
}

export class JobApi {
  readonly client: api.JobServiceClient;
  constructor(
    address: string,
    private readonly key: string,
  ) {
    this.client = new api.JobServiceClient(address, credentials.createInsecure());
  }
  submit = (request: Partial<api.SubmitJobRequest>): Promise<api.SubmitJobResponse> =>
    call(this.client.submitJob, this.client, api.SubmitJobRequest.fromPartial(request), bearer(this.key));
  get = (jobId: string): Promise<api.GetJobResponse> => call(this.client.getJob, this.client, { jobId }, bearer(this.key));
  cancel = (jobId: string): Promise<api.CancelJobResponse> =>
    call(this.client.cancelJob, this.client, api.CancelJobRequest.fromPartial({ jobId }), bearer(this.key));
  list = (request: Partial<api.ListJobsRequest>): Promise<api.ListJobsResponse> =>
    call(this.client.listJobs, this.client, api.ListJobsRequest.fromPartial(request), bearer(this.key));
  close = (): void => this.client.close();
}

export class ProviderApi {
  readonly client: api.ProviderServiceClient;
  constructor(address: string) {
    this.client = new api.ProviderServiceClient(address, credentials.createInsecure());
  }

  /** Registers with an operator key; resolves with the provider id and its token (x-provider-token). */
  register(operatorKey: string, request: Partial<api.RegisterProviderRequest>): Promise<{ providerId: string; token: string }> {
    return new Promise((resolve, reject) => {
      let token = '';
      const pending = this.client.registerProvider(
        api.RegisterProviderRequest.fromPartial(request),
        bearer(operatorKey),
        (error, response) => (error ? reject(error) : resolve({ providerId: response.providerId, token })),
      );
      pending.on('metadata', (metadata: Metadata) => {
        token = String(metadata.get('x-provider-token')[0] ?? '');
      });
    });
  }
  heartbeat = (token: string, request: Partial<api.HeartbeatRequest>): Promise<api.HeartbeatResponse> =>
    call(this.client.heartbeat, this.client, api.HeartbeatRequest.fromPartial(request), bearer(token));
  started = (token: string, request: api.ReportStartedRequest): Promise<api.ReportStartedResponse> =>
    call(this.client.reportStarted, this.client, request, bearer(token));
  completed = (token: string, request: Partial<api.ReportCompletedRequest>): Promise<api.ReportCompletedResponse> =>
    call(this.client.reportCompleted, this.client, api.ReportCompletedRequest.fromPartial(request), bearer(token));
  failed = (token: string, request: Partial<api.ReportFailedRequest>): Promise<api.ReportFailedResponse> =>
    call(this.client.reportFailed, this.client, api.ReportFailedRequest.fromPartial(request), bearer(token));
  assignments = (token: string, providerId: string, resumeCursor = ''): ClientReadableStream<api.StreamAssignmentsResponse> =>
    this.client.streamAssignments({ providerId, resumeCursor }, bearer(token));
  close = (): void => this.client.close();
}

export { eventually } from '@switchyard/testing';

export class UsageApi {
  readonly client: api.UsageServiceClient;
  constructor(
    address: string,
    private readonly key: string,
  ) {
    this.client = new api.UsageServiceClient(address, credentials.createInsecure());
  }
  get = (request: Partial<api.GetUsageRequest>, metadata = bearer(this.key)): Promise<api.GetUsageResponse> =>
    call(this.client.getUsage, this.client, api.GetUsageRequest.fromPartial(request), metadata);
  close = (): void => this.client.close();
}

export class PayoutApi {
  readonly client: api.PayoutServiceClient;
  constructor(
    address: string,
    private readonly key: string,
  ) {
    this.client = new api.PayoutServiceClient(address, credentials.createInsecure());
  }
  balance = async (accountId: string): Promise<bigint> => {
    const response: api.GetBalanceResponse = await call(this.client.getBalance, this.client, { accountId }, bearer(this.key));
    return BigInt(response.balanceBaseUnits);
  };
  statements = (providerId: string): Promise<api.ListStatementsResponse> =>
    call(this.client.listStatements, this.client, api.ListStatementsRequest.fromPartial({ providerId, pageSize: 100 }), bearer(this.key));
  closeEpoch = (idempotencyKey: string, cutoff = new Date()): Promise<api.CloseEpochResponse> =>
    call(
      this.client.closeEpoch,
      this.client,
      { idempotencyKey, cutoff: { seconds: String(Math.floor(cutoff.getTime() / 1000)), nanos: (cutoff.getTime() % 1000) * 1_000_000 } },
      bearer(this.key),
    );
  close = (): void => this.client.close();
}
