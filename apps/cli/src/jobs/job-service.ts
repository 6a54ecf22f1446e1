// The enterprise JobService over gRPC: a typed client with the tenant's API key on every call,
// and gRPC failures turned into CLI errors with the server's own words (and BadRequest fields).
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { CliError, notFound, unavailable, usageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

export interface EndpointOptions {
  readonly endpoint: string;
  readonly apiKey: string | undefined;
  readonly tls: boolean;
  readonly timeoutMs: number;
}

export interface GrpcService<C> {
  readonly client: C;
  readonly metadata: Metadata;
  readonly options: EndpointOptions;
  close(): void;
}

export type JobService = GrpcService<api.JobServiceClient>;

type ClientClass<C> = new (address: string, channelCredentials: ReturnType<typeof credentials.createInsecure>) => C & { close(): void };

export function connect<C>(Client: ClientClass<C>, options: EndpointOptions): GrpcService<C> {
  const client = new Client(options.endpoint, options.tls ? credentials.createSsl() : credentials.createInsecure());
  const metadata = new Metadata();
  if (options.apiKey) metadata.set('authorization', `Bearer ${options.apiKey}`);
  return { client, metadata, options, close: () => client.close() };
}

export const connectJobService = (options: EndpointOptions): JobService => connect(api.JobServiceClient, options);

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** One unary call with the service's deadline; rejects with a CliError. */
export function unary<C, Req, Res>(service: GrpcService<C>, method: Unary<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(
      service.client,
      request,
      service.metadata,
      { deadline: new Date(Date.now() + service.options.timeoutMs) },
      (error, response) => {
        if (error) void cliErrorOf(error, service.options.endpoint).then(reject, reject);
        else resolve(response);
      },
    );
  });
}

/** gRPC status -> exit code; the server's message is kept, BadRequest field violations appended. */
export async function cliErrorOf(error: ServiceError, endpoint: string): Promise<CliError> {
  const fields = await fieldViolations(error);
  const said = error.details || status[error.code];
  // Servers often spell the violations out in the message already; add them only when they do not.
  const message = fields && !said.includes(fields.split('; ')[0]!) ? `${said} (${fields})` : said;
  switch (error.code) {
    case status.NOT_FOUND:
      return notFound(message);
    case status.INVALID_ARGUMENT:
    case status.FAILED_PRECONDITION:
    case status.OUT_OF_RANGE:
    case status.ALREADY_EXISTS:
      return usageError(message);
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return new CliError(`${message}; pass --api-key or set SWITCHYARD_API_KEY`, ExitCode.NOT_AUTHENTICATED);
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.UNIMPLEMENTED:
      return unavailable(`${endpoint}: ${message}`);
    default:
      return new CliError(`${status[error.code] ?? error.code}: ${message}`, ExitCode.FAILURE);
  }
}

async function fieldViolations(error: ServiceError): Promise<string> {
  // Loaded on an error only: the decoder brings google.rpc's protos.
  const { decodeStatusDetails } = await import('@switchyard/service-host/status-details');
  const decoded = decodeStatusDetails(error);
  const violations = (decoded?.details ?? []).flatMap((d) =>
    d.type === 'google.rpc.BadRequest'
      ? ((d.value as { fieldViolations?: { field: string; description: string }[] }).fieldViolations ?? [])
      : [],
  );
  return violations.map((v) => `${v.field}: ${v.description}`).join('; ');
}
