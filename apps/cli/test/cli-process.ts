// Runs the switchyard CLI as a child process from its TypeScript source, the way
// `pnpm switchyard` does, and captures stdout, stderr and the exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const CLI_ARGS = ['--conditions=@switchyard/source', '--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts'];
const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SWC_NODE_PROJECT: 'apps/cli/tsconfig.json' });

export function runSwitchyard(args: readonly string[], env: Record<string, string>, timeoutMs = 240_000): Promise<CliRun> {
  return run(process.execPath, [...CLI_ARGS, ...args], { ...baseEnv(), NO_COLOR: '1', ...env }, timeoutMs);
}

/**
 * Runs the CLI with a pseudo-terminal as its stdout and stderr (util-linux `script`), the way a
 * person at a terminal runs it; `output` is what the terminal received, both streams together.
 */
export async function runSwitchyardOnTerminal(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 240_000,
): Promise<{ code: number | null; output: string }> {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, ...CLI_ARGS, ...args].map(quote).join(' ');
  const { code, stdout, stderr } = await run(
    'script',
    ['--quiet', '--return', '--command', command, '/dev/null'],
    { ...baseEnv(), TERM: 'xterm', ...env },
    timeoutMs,
  );
  return { code, output: stdout + stderr };
}

function run(file: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
