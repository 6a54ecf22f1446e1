import { apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { startGrpcService } from '@switchyard/service-host';
import { placementTransports } from './event-log.transport.js';
import { PlacementModule } from './placement.module.js';

await startGrpcService({
  name: 'placement',
  module: PlacementModule,
  url: process.env.GRPC_URL ?? '127.0.0.1:50053',
  protos: { files: [apiProtoFiles.providerService], packages: [apiPackageName], includeDirs: [protoRoot] },
  transports: placementTransports,
});
