import { createServer } from 'node:net';

/**
 * Resolves `host:0` to `host:<free port>`. NestJS binds the gRPC server itself and does not
 * report the port it got, so a free port is picked here first; another process could take it
 * in between, which is acceptable for tests and local runs.
 */
export async function resolveListenAddress(url: string): Promise<string> {
  const { host, port } = splitHostPort(url);
  if (port !== 0) return url;
  return `${formatHost(host)}:${await findFreePort(host)}`;
}

function splitHostPort(url: string): { host: string; port: number } {
  const match = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:]+)):(?<port>\d+)$/.exec(url);
  const host = match?.groups?.v6 ?? match?.groups?.host;
  if (host === undefined || match?.groups?.port === undefined) {
    throw new Error(`gRPC listen address must be host:port, got "${url}"`);
  }
  return { host, port: Number(match.groups.port) };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
