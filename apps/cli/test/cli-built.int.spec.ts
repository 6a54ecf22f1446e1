// The installed `switchyard` command runs the built JavaScript: fast enough to feel instant,
// every output ends with a newline, and its shell completion knows the real command tree.
// Builds the CLI and what it depends on first when it is not built (a fresh clone's `pnpm test`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/switchyard.mjs', import.meta.url));

function run(args: readonly string[]): { code: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: performance.now() - started };
}

const builtMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the built switchyard command', () => {
  beforeAll(() => {
    if (existsSync(builtMain)) return;
    const build = spawnSync('pnpm', ['--filter', '@switchyard/cli...', 'run', 'build'], { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
    if (build.status !== 0) throw new Error(`building the CLI failed:\n${build.stdout}\n${build.stderr}`);
  }, 300_000);

  it('is built', () => {
    expect(existsSync(builtMain)).toBe(true);
  }, 60_000);

  it('answers --help within 0.5 s, from built JavaScript', () => {
    // CPU time (user + system) of the whole process, from bash's `time`: what a call costs on an
    // idle machine, and unlike wall-clock time not inflated by other work on a shared one.
    const cpuSeconds = (): number => {
      const timed = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time "${process.execPath}" "${bin}" --help > /dev/null`], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      expect(timed.status).toBe(0);
      const [user, system] = timed.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      return user! + system!;
    };
    expect(Math.min(cpuSeconds(), cpuSeconds(), cpuSeconds())).toBeLessThan(0.5);
    const help = run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('dlt');
  }, 60_000);

  it('ends everything it prints with a newline: help, version, usage errors, failures', () => {
    const outputs = [
      run(['--help']),
      run(['--version']),
      run(['dlt', '--help']),
      run(['completion', 'bash']),
      run(['no-such-command']),
      run(['completion', 'tcsh']),
      run(['dlt', 'show', 'x']),
    ];
    for (const { stdout, stderr } of outputs) {
      for (const text of [stdout, stderr]) if (text !== '') expect(text.endsWith('\n')).toBe(true);
    }
    expect(outputs[4]!.code).toBe(2);
    expect(outputs[5]).toMatchObject({ code: 2, stderr: 'switchyard: shell must be one of bash, zsh, fish, not "tcsh"\n' });
  }, 60_000);

  it('completes commands, subcommands, options and option values in bash', () => {
    const script = run(['completion', 'bash']).stdout;
    const complete = (words: string[]): string => {
      const line = words.map((w) => `'${w}'`).join(' ');
      const probe = `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _switchyard; echo "\${COMPREPLY[*]}"`;
      return spawnSync('bash', ['-c', probe], { encoding: 'utf8' }).stdout.trim();
    };
    expect(complete(['switchyard', 'dl'])).toBe('dlt');
    expect(complete(['switchyard', 'dlt', '']).split(' ')).toEqual(expect.arrayContaining(['list', 'show', 'redrive', '--json']));
    expect(complete(['switchyard', 'dlt', 'redrive', '--dr'])).toBe('--dry-run');
    expect(complete(['switchyard', '--backend', ''])).toBe('kafka postgres');
    expect(complete(['switchyard', 'submit', '--kind', 'b'])).toBe('batch-inference');
  }, 60_000);

  it('prints zsh and fish completion too', () => {
    expect(run(['completion', 'zsh']).stdout).toContain('bashcompinit');
    expect(run(['completion', 'fish']).stdout).toContain(
      "complete -c switchyard -n '__fish_seen_subcommand_from dlt; and not __fish_seen_subcommand_from list show redrive' -a list",
    );
  }, 60_000);
});
