import { startGrpcService } from '@switchyard/service-host';
import { PayoutModule } from './payout.module.js';

await startGrpcService({
  name: 'payout',
  module: PayoutModule,
  url: process.env.GRPC_URL ?? '127.0.0.1:50055',
});
