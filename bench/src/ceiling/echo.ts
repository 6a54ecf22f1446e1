// The gRPC ceiling: a bare grpc-js unary echo (echo-main.ts, its own process) driven exactly as
// the SubmitJob load drives intake: open loop at the same rate, over the same number of
// channels, with requests and responses of the same size. SubmitJob p50 ÷ echo p50 is what
// intake's work costs above the transport.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials, makeGenericClientConstructor, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { summarise, type LatencySummary } from '../stats.js';
import { stopChild } from '../system.js';
import { now } from '../pipeline/load.js';

const identity = (b: Buffer): Buffer => b;
export const ECHO_SERVICE: ServiceDefinition = {
  echo: {
    path: '/switchyard.bench.v1.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface EchoSpec {
  readonly rate: number;
  readonly durationMs: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** Channels the load spreads calls over (as the SubmitJob load does). */
  readonly channels: number;
}

export interface EchoFigures extends EchoSpec {
  readonly calls: number;
  readonly errors: number;
  readonly latency: LatencySummary;
  /** Answers per second over the run (first send to last answer). */
  readonly rps: number;
}

interface EchoClient {
  echo(request: Buffer, options: { deadline: number }, callback: (error: ServiceError | null, response?: Buffer) => void): void;
  close(): void;
}

export async function measureEcho(
  specs: readonly Omit<EchoSpec, 'responseBytes'>[],
  responseBytes: number,
  log: (m: string) => void,
): Promise<EchoFigures[]> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'echo-main.js');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, BENCH_ECHO_RESPONSE_BYTES: String(responseBytes) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /^ready (\d+)$/.exec(line);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the echo server exited (${code}) before it was ready`)));
    });
    const figures: EchoFigures[] = [];
    for (const spec of specs) {
      const f = await echoLoad(`127.0.0.1:${port}`, { ...spec, responseBytes });
      log(
        `ceiling: bare grpc-js echo @ ${spec.rate}/s over ${spec.channels} channels: ${f.calls} calls, p50 ${f.latency.p50.toFixed(2)} ms, p99 ${f.latency.p99.toFixed(2)} ms, ${f.rps.toFixed(0)} rps`,
      );
      figures.push(f);
    }
    return figures;
  } finally {
    await stopChild(child);
  }
}

/** Open loop, the SubmitJob load's schedule: call i is sent at start + i / rate, answered or not. */
async function echoLoad(address: string, spec: EchoSpec): Promise<EchoFigures> {
  const Client = makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
  const clients = Array.from(
    { length: spec.channels },
    () => new Client(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as EchoClient,
  );
  const request = Buffer.alloc(spec.requestBytes, 0x62);
  const total = Math.max(1, Math.round((spec.rate * spec.durationMs) / 1000));
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  let lastAnswer = 0;
  const pending: Promise<void>[] = [];
  // Connect every channel first, as the SubmitJob load's channels are connected by its first calls.
  await Promise.all(
    clients.map((c) => new Promise<void>((resolve) => c.echo(request, { deadline: Date.now() + 10_000 }, () => resolve()))),
  );
  const startedAt = now() + 20;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((now() - startedAt) * spec.rate) / 1000) + 1);
      while (sent < due) {
        const i = sent++;
        const sentAt = now();
        pending.push(
          new Promise((done) =>
            clients[i % clients.length]!.echo(request, { deadline: Date.now() + 30_000 }, (error) => {
              lastAnswer = now();
              if (error) errors++;
              else latencies.push(lastAnswer - sentAt);
              done();
            }),
          ),
        );
      }
      if (sent >= total) return resolve();
      setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, startedAt - now()));
  });
  await Promise.all(pending);
  for (const c of clients) c.close();
  return {
    ...spec,
    calls: total,
    errors,
    latency: summarise(latencies),
    rps: latencies.length / Math.max(0.001, (lastAnswer - startedAt) / 1000),
  };
}
