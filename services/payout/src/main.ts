import { apiPackageName, apiProtoFiles, protoRoot } from '@switchyard/contracts';
import { startGrpcService } from '@switchyard/service-host';
import { payoutTransports } from './event-log.transport.js';
import { PayoutModule } from './payout.module.js';

await startGrpcService({
  name: 'payout',
  module: PayoutModule,
  url: process.env.GRPC_URL ?? '127.0.0.1:50055',
  protos: { files: [apiProtoFiles.payoutService], packages: [apiPackageName], includeDirs: [protoRoot] },
  transports: payoutTransports,
});
