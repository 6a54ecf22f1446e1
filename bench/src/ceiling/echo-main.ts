#!/usr/bin/env node
// A bare grpc-js unary echo server in its own process, as intake is: no framework, no database,
// no validation. Answers every call with BENCH_ECHO_RESPONSE_BYTES bytes; prints `ready <port>`.
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { ECHO_SERVICE } from './echo.js';

const response = Buffer.alloc(Number(process.env.BENCH_ECHO_RESPONSE_BYTES ?? 256), 0x61);
const server = new Server();
server.addService(ECHO_SERVICE, {
  echo: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, response),
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`ready ${port}\n`);
});
const stop = (): void => server.tryShutdown(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
