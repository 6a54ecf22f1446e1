// switchyard.v1.UsageService over gRPC: parse, ask UsageReport, return.
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
import type { api } from '@switchyard/contracts';
import { UsageReport } from './usage-report.js';

@Controller()
export class UsageGrpcController {
  constructor(private readonly report: UsageReport) {}

  @GrpcMethod('UsageService', 'GetUsage')
  getUsage(request: api.GetUsageRequest, metadata: Metadata): Promise<api.GetUsageResponse> {
    return this.report.getUsage(request, metadata);
  }
}
