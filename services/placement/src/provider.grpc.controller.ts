// switchyard.v1.ProviderService over gRPC: authenticate, validate, hand the call to the scheduler
// (or to the leader, on a standby), map the answer. The time of each call is taken here, at the
// edge, and passed in.
import { Controller, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { api } from '@switchyard/contracts';
import {
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  resourceExhausted,
  unauthenticated,
  unavailable,
  type CallWithAuthContext,
} from '@switchyard/service-host';
import { activeTraceCarrier } from '@switchyard/telemetry';
import { from, type Observable, mergeMap } from 'rxjs';
import { AssignmentFeed } from './assignments/assignment-feed.js';
import type { PlacementConfig } from './config.js';
import { CallerCredentials } from './credentials/caller-credentials.js';
import { newProviderToken, sha256Hex } from '@switchyard/access';
import type { ReportKind } from './domain/index.js';
import { validateHeartbeat } from './heartbeat/heartbeat-validation.js';
import { validateRegistration } from './registration/registration-validation.js';
import {
  InvalidRequest,
  NotAuthenticated,
  NotFound,
  NotLeader,
  NotPermitted,
  SchedulerOverloaded,
  SchedulerUnavailable,
  StateConflict,
} from './rejections.js';
import { validateReport } from './reports/report-validation.js';
import { LeaderForwarding } from './scheduler/leader-forwarding.js';
import { PlacementScheduler } from './scheduler/placement-scheduler.js';
import { PLACEMENT_CONFIG } from './tokens.js';

/** Response metadata carrying the provider token, for clients built before RegisterProviderResponse.provider_token. */
export const PROVIDER_TOKEN_METADATA = 'x-provider-token';

@Controller()
export class ProviderGrpcController implements OnApplicationShutdown {
  private readonly forwarding = new LeaderForwarding();

  constructor(
    private readonly credentials: CallerCredentials,
    private readonly scheduler: PlacementScheduler,
    private readonly feed: AssignmentFeed,
    @Inject(PLACEMENT_CONFIG) private readonly config: PlacementConfig,
  ) {}

  onApplicationShutdown(): void {
    this.forwarding.close();
  }

  @GrpcMethod('ProviderService', 'RegisterProvider')
  async registerProvider(
    request: api.RegisterProviderRequest,
    metadata: Metadata,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<api.RegisterProviderResponse> {
    const receivedAtMs = Date.now();
    const response = await this.decided('registerProvider', request, metadata, async () => {
      const operatorId = this.credentials.operatorOf(metadata, call as CallWithAuthContext);
      validateRegistration(request);
      if (request.operatorId !== operatorId)
        throw new NotPermitted(`operator_id ${request.operatorId} is not the operator these credentials belong to`);
      const providerToken = newProviderToken();
      const registered = await this.engine.call<{ providerId: string; providerToken: string }>((pending) => ({
        kind: 'register',
        input: {
          operatorId,
          region: request.region,
          jurisdiction: request.jurisdiction,
          gpus: request.gpus.map((g) => ({ gpuClass: g.gpuClass, count: g.count, vramGib: g.vramGib })),
          pricePerGpuHourBaseUnits: String(request.pricePerGpuHourBaseUnits),
          advertisedLatencyMs: request.advertisedLatencyMs,
          endpoint: request.endpoint,
          ingressMbps: request.ingressMbps ?? 0,
          transferPricePerGbBaseUnits: String(request.transferPricePerGbBaseUnits ?? '0'),
          heldDigests: request.heldDigests ?? [],
          receivedAtMs,
        },
        tokenHash: sha256Hex(providerToken),
        providerToken,
        ...trace(),
        ...pending,
      }));
      return {
        providerId: registered.providerId,
        heartbeatIntervalMs: this.config.heartbeatIntervalMs,
        providerToken: registered.providerToken,
      };
    });
    const headers = new Metadata();
    headers.set(PROVIDER_TOKEN_METADATA, response.providerToken);
    call.sendMetadata(headers);
    return response;
  }

  @GrpcMethod('ProviderService', 'Heartbeat')
  heartbeat(request: api.HeartbeatRequest, metadata: Metadata): Promise<api.HeartbeatResponse> {
    const receivedAtMs = Date.now();
    return this.decided('heartbeat', request, metadata, async () => {
      const providerId = await this.credentials.providerOf(metadata);
      validateHeartbeat(request);
      if (request.providerId !== providerId)
        throw new NotPermitted(`provider_id ${request.providerId} is not the provider these credentials belong to`);
      await this.engine.call<'recorded' | 'stale'>((pending) => ({
        kind: 'heartbeat',
        input: {
          providerId,
          sequence: String(request.sequence),
          gpusInUse: request.gpusInUse,
          health: request.health,
          receivedAtMs,
          addedDigests: request.addedDigests ?? [],
          evictedDigests: request.evictedDigests ?? [],
        },
        runs: request.runsReported ? request.runs : undefined,
        ...trace(),
        ...pending,
      }));
      return { heartbeatIntervalMs: this.config.heartbeatIntervalMs };
    });
  }

  @GrpcMethod('ProviderService', 'StreamAssignments')
  streamAssignments(request: api.StreamAssignmentsRequest, metadata: Metadata): Observable<api.StreamAssignmentsResponse> {
    return from(
      mapped(async () => {
        const providerId = await this.credentials.providerOf(metadata);
        if (request.providerId !== '' && request.providerId !== providerId) {
          throw new NotPermitted(`provider_id ${request.providerId} is not the provider these credentials belong to`);
        }
        return this.feed.stream(providerId, request.resumeCursor ?? '');
      }),
    ).pipe(mergeMap((stream) => stream));
  }

  @GrpcMethod('ProviderService', 'ReportStarted')
  reportStarted(request: api.ReportStartedRequest, metadata: Metadata): Promise<api.ReportStartedResponse> {
    return this.report('STARTED', 'reportStarted', request, metadata);
  }

  @GrpcMethod('ProviderService', 'ReportCompleted')
  reportCompleted(request: api.ReportCompletedRequest, metadata: Metadata): Promise<api.ReportCompletedResponse> {
    return this.report('COMPLETED', 'reportCompleted', request, metadata);
  }

  @GrpcMethod('ProviderService', 'ReportFailed')
  reportFailed(request: api.ReportFailedRequest, metadata: Metadata): Promise<api.ReportFailedResponse> {
    return this.report('FAILED', 'reportFailed', request, metadata);
  }

  private get engine() {
    return this.scheduler.engine;
  }

  private report(
    kind: ReportKind,
    method: 'reportStarted' | 'reportCompleted' | 'reportFailed',
    request: Partial<api.ReportStartedRequest & api.ReportCompletedRequest & api.ReportFailedRequest> & {
      jobId: string;
      attempt: number;
      providerId: string;
    },
    metadata: Metadata,
  ): Promise<Record<string, never>> {
    const receivedAtMs = Date.now();
    return this.decided(method, request, metadata, async () => {
      const providerId = await this.credentials.providerOf(metadata);
      validateReport(kind, providerId, request);
      await this.engine.call<'applied' | 'duplicate'>((pending) => ({
        kind: 'report',
        report: {
          kind,
          jobId: request.jobId,
          attempt: request.attempt,
          providerId,
          receivedAtMs,
          ...(request.resultHash !== undefined ? { resultHash: request.resultHash } : {}),
          ...(kind === 'FAILED'
            ? { failure: { category: request.category!, retryable: request.retryable ?? false, message: request.message ?? '' } }
            : {}),
          ...(request.usage != null ? { usage: request.usage } : {}),
          ...(kind === 'COMPLETED' ? { fetchedDigests: request.fetchedDigests ?? [], cachedDigests: request.cachedDigests ?? [] } : {}),
        },
        ...trace(),
        ...pending,
      }));
      return {};
    });
  }

  /** Runs the call here if this instance leads, else on the leader; typed rejections become statuses. */
  private async decided<T>(
    method: Parameters<LeaderForwarding['forward']>[1],
    request: unknown,
    metadata: Metadata,
    local: () => Promise<T>,
  ): Promise<T> {
    try {
      if (!this.engine.isLeader && this.engine.leaderAddress !== undefined && this.engine.leaderAddress !== this.config.advertisedAddress) {
        return await this.forwarding.forward<T>(this.engine.leaderAddress, method, request, metadata);
      }
      return await local();
    } catch (error) {
      if (error instanceof NotLeader && error.leaderAddress !== undefined && error.leaderAddress !== this.config.advertisedAddress) {
        return this.forwarding.forward<T>(error.leaderAddress, method, request, metadata).catch((forwarded: unknown) => {
          throw toRpcException(forwarded);
        });
      }
      throw toRpcException(error);
    }
  }
}

function trace(): { traceparent?: string } {
  const carrier = activeTraceCarrier();
  return carrier.traceparent ? { traceparent: carrier.traceparent } : {};
}

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
  if (error instanceof NotAuthenticated) return unauthenticated(error.message, { reason: 'CREDENTIALS_MISSING_OR_UNKNOWN' });
  if (error instanceof NotPermitted) return permissionDenied(error.message);
  if (error instanceof NotFound) return notFound(error.message, { resourceType: error.resourceType, resourceName: error.resourceName });
  if (error instanceof StateConflict) {
    return failedPrecondition(error.message, { violations: [{ type: error.kind, subject: error.subject, description: error.message }] });
  }
  if (error instanceof NotLeader || error instanceof SchedulerUnavailable)
    return unavailable(error.message, { retryAfterMs: 1_000, info: { reason: 'SCHEDULER_UNAVAILABLE' } });
  if (error instanceof SchedulerOverloaded) {
    return resourceExhausted(error.message, {
      retryAfterMs: 500,
      info: { reason: 'SCHEDULER_OVERLOADED', metadata: { waiting: error.waiting } },
    });
  }
  return error;
}
