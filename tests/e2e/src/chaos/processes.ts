// The chaos run's supervisor: each service (and the simulated fleet) as a child process started
// from its build (`dist/main.js`, as `pnpm start` runs it) on a fixed address, so a restarted
// process is found where the old one was. Output is appended to one log file per process. A
// process that exits on its own is recorded and started again, as a supervisor in production
// would; a SIGKILL from the controller is a fault, not an exit to report.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { checkHealth } from '@switchyard/service-host';

export type ServiceName = 'intake' | 'classifier' | 'placement' | 'metering' | 'payout';
export const SERVICE_NAMES: readonly ServiceName[] = ['intake', 'classifier', 'placement', 'metering', 'payout'];

export interface UnexpectedExit {
  readonly process: string;
  readonly at: string;
  readonly code: number | null;
  readonly signal: string | null;
}

interface Managed {
  readonly name: string;
  readonly script: string;
  readonly env: Record<string, string>;
  readonly address?: string;
  child?: ChildProcess;
  /** Set while the controller itself kills or stops it. */
  expectingExit: boolean;
  starts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (child: ChildProcess | undefined) => child !== undefined && child.exitCode === null && child.signalCode === null;

export class ProcessSupervisor {
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly managed = new Map<string, Managed>();
  private stopping = false;

  constructor(
    private readonly repoRoot: string,
    private readonly logDir: string,
    private readonly log: (message: string) => void,
  ) {
    // Whatever ends the controller (a watchdog, a crash) ends the processes it started.
    process.once('exit', () => {
      for (const m of this.managed.values()) if (alive(m.child)) m.child!.kill('SIGKILL');
    });
  }

  static requireBuild(repoRoot: string): void {
    const missing = [
      ...SERVICE_NAMES.map((s) => join('services', s, 'dist', 'main.js')),
      join('apps', 'provider-fleet', 'dist', 'main.js'),
    ].filter((file) => !existsSync(join(repoRoot, file)));
    if (missing.length > 0) throw new Error(`the chaos run starts built services; missing ${missing.join(', ')} (run \`pnpm build\`)`);
  }

  add(name: string, script: string, env: Record<string, string>, address?: string): void {
    this.managed.set(name, { name, script: join(this.repoRoot, script), env, address, expectingExit: false, starts: 0 });
  }

  /** Starts the process; for a service, resolves once its health answers SERVING. */
  async start(name: string, timeoutMs = 90_000): Promise<void> {
    const m = this.get(name);
    if (alive(m.child)) return;
    const out = openSync(join(this.logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [m.script], {
      cwd: this.repoRoot,
      env: { ...process.env, ...m.env },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    m.child = child;
    m.expectingExit = false;
    m.starts += 1;
    child.once('exit', (code, signal) => {
      if (m.child !== child || m.expectingExit || this.stopping) return;
      this.unexpectedExits.push({ process: name, at: new Date().toISOString(), code, signal });
      this.log(`${name} exited on its own (${signal ?? code}); starting it again`);
      void sleep(500).then(() =>
        this.stopping ? undefined : this.start(name).catch((e: Error) => this.log(`${name} did not come back: ${e.message}`)),
      );
    });
    if (m.address) await this.waitServing(name, timeoutMs);
  }

  async waitServing(name: string, timeoutMs: number): Promise<void> {
    const m = this.get(name);
    const deadline = Date.now() + timeoutMs;
    while ((await checkHealth(m.address!, '', 1000).catch(() => 'UNREACHABLE')) !== 'SERVING') {
      if (Date.now() > deadline) throw new Error(`${name} at ${m.address} not SERVING within ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  /** SIGKILL: no shutdown hooks, no flush — a crash. Resolves once the process is gone. */
  async kill(name: string): Promise<void> {
    const m = this.get(name);
    const child = m.child;
    if (!alive(child)) return;
    m.expectingExit = true;
    const gone = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGKILL');
    await gone;
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.managed.values()].map(async (m) => {
        const child = m.child;
        if (!alive(child)) return;
        m.expectingExit = true;
        const gone = new Promise((r) => child!.once('exit', r));
        child!.kill('SIGTERM');
        const timer = setTimeout(() => child!.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(timer);
      }),
    );
  }

  starts(name: string): number {
    return this.get(name).starts;
  }

  private get(name: string): Managed {
    const m = this.managed.get(name);
    if (!m) throw new Error(`no process ${name}`);
    return m;
  }
}
