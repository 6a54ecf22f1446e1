// switchyard.v1.UsageService over gRPC: parse, ask UsageReport, return; refusals become status
// codes with their ErrorInfo reason here and only here.
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
import type { api } from '@switchyard/contracts';
import { invalidArgument, permissionDenied, unauthenticated } from '@switchyard/service-host';
import { InvalidRequest, NotAuthenticated, NotPermitted } from './rejections.js';
import { UsageReport } from './usage-report.js';

@Controller()
export class UsageGrpcController {
  constructor(private readonly report: UsageReport) {}

  @GrpcMethod('UsageService', 'GetUsage')
  async getUsage(request: api.GetUsageRequest, metadata: Metadata): Promise<api.GetUsageResponse> {
    try {
      return await this.report.getUsage(request, metadata);
    } catch (error) {
      throw grpcErrorOf(error);
    }
  }
}

function grpcErrorOf(error: unknown): unknown {
  if (error instanceof InvalidRequest) return invalidArgument([...error.violations]);
  if (error instanceof NotAuthenticated) return unauthenticated(error.message, { reason: error.reason });
  if (error instanceof NotPermitted) return permissionDenied(error.message, { reason: error.reason });
  return error;
}
