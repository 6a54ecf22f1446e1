// switchyard.v1.ProviderService over gRPC: authenticate, call the use case, map the answer.
// The time of each call is taken here, at the edge, and passed in.
import { Controller } from '@nestjs/common';
import { Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import type { api } from '@switchyard/contracts';
import { failedPrecondition, invalidArgument, notFound, permissionDenied, unauthenticated } from '@switchyard/service-host';
import { from, type Observable, mergeMap } from 'rxjs';
import { AssignmentStream } from './assignments/assignment-stream.js';
import { CallerCredentials } from './credentials/caller-credentials.js';
import { ReceiveHeartbeat } from './heartbeat/receive-heartbeat.js';
import { RegisterProvider } from './registration/register-provider.js';
import { InvalidRequest, NotAuthenticated, NotFound, NotPermitted, StateConflict } from './rejections.js';
import { AttemptReports } from './reports/attempt-reports.js';

/** Response metadata carrying the provider token (RegisterProviderResponse has no field for it). */
export const PROVIDER_TOKEN_METADATA = 'x-provider-token';

@Controller()
export class ProviderGrpcController {
  constructor(
    private readonly credentials: CallerCredentials,
    private readonly registration: RegisterProvider,
    private readonly heartbeats: ReceiveHeartbeat,
    private readonly reports: AttemptReports,
    private readonly assignments: AssignmentStream,
  ) {}

  @GrpcMethod('ProviderService', 'RegisterProvider')
  registerProvider(
    request: api.RegisterProviderRequest,
    metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<api.RegisterProviderResponse> {
    const receivedAt = new Date();
    return mapped(async () => {
      const operatorId = this.credentials.operatorOf(metadata);
      const registration = await this.registration.register(operatorId, request, receivedAt);
      const headers = new Metadata();
      headers.set(PROVIDER_TOKEN_METADATA, registration.providerToken);
      call.sendMetadata(headers);
      return { providerId: registration.providerId, heartbeatIntervalMs: registration.heartbeatIntervalMs, providerToken: registration.providerToken };
    });
  }

  @GrpcMethod('ProviderService', 'Heartbeat')
  heartbeat(request: api.HeartbeatRequest, metadata: Metadata): Promise<api.HeartbeatResponse> {
    const receivedAt = new Date();
    return mapped(async () => {
      await this.heartbeats.receive(await this.credentials.providerOf(metadata), request, receivedAt);
      return { heartbeatIntervalMs: this.heartbeats.intervalMs };
    });
  }

  @GrpcMethod('ProviderService', 'StreamAssignments')
  streamAssignments(request: api.StreamAssignmentsRequest, metadata: Metadata): Observable<api.StreamAssignmentsResponse> {
    return from(mapped(async () => this.assignments.stream(await this.credentials.providerOf(metadata), request))).pipe(
      mergeMap((stream) => stream),
    );
  }

  @GrpcMethod('ProviderService', 'ReportStarted')
  reportStarted(request: api.ReportStartedRequest, metadata: Metadata): Promise<api.ReportStartedResponse> {
    const receivedAt = new Date();
    return mapped(async () => {
      await this.reports.started(await this.credentials.providerOf(metadata), request, receivedAt);
      return {};
    });
  }

  @GrpcMethod('ProviderService', 'ReportCompleted')
  reportCompleted(request: api.ReportCompletedRequest, metadata: Metadata): Promise<api.ReportCompletedResponse> {
    const receivedAt = new Date();
    return mapped(async () => {
      await this.reports.completed(await this.credentials.providerOf(metadata), request, receivedAt);
      return {};
    });
  }

  @GrpcMethod('ProviderService', 'ReportFailed')
  reportFailed(request: api.ReportFailedRequest, metadata: Metadata): Promise<api.ReportFailedResponse> {
    const receivedAt = new Date();
    return mapped(async () => {
      await this.reports.failed(await this.credentials.providerOf(metadata), request, receivedAt);
      return {};
    });
  }
}

/** Runs a use case and turns its typed rejections into gRPC status codes with rich details. */
async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toRpcException(error);
  }
}

function toRpcException(error: unknown): unknown {
  if (error instanceof RpcException) return error;
  if (error instanceof InvalidRequest) return invalidArgument(error.violations);
  if (error instanceof NotAuthenticated) return unauthenticated(error.message);
  if (error instanceof NotPermitted) return permissionDenied(error.message);
  if (error instanceof NotFound) return notFound(error.message, { resourceType: error.resourceType, resourceName: error.resourceName });
  if (error instanceof StateConflict) {
    return failedPrecondition(error.message, { violations: [{ type: error.kind, subject: error.subject, description: error.message }] });
  }
  return error;
}
