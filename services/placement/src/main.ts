import { apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { resolveListenAddress, startGrpcService } from '@switchyard/service-host';
import { PlacementModule } from './placement.module.js';

// The address is fixed before the module starts: the scheduler advertises it to standbys.
const url = await resolveListenAddress(process.env.GRPC_URL ?? '127.0.0.1:50053');
process.env.GRPC_URL = url;
await startGrpcService({
  name: 'placement',
  module: PlacementModule,
  url,
  protos: { files: [apiProtoFiles.providerService], packages: [apiPackageName], includeDirs: [protoRoot] },
});
