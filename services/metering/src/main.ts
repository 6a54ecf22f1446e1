import { apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { startGrpcService } from '@switchyard/service-host';
import { MeteringModule } from './metering.module.js';

await startGrpcService({
  name: 'metering',
  module: MeteringModule,
  url: process.env.GRPC_URL ?? '127.0.0.1:50054',
  protos: { files: [apiProtoFiles.usageService], packages: [apiPackageName], includeDirs: [protoRoot] },
});
