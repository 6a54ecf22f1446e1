import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { TierPolicyError } from './tier-policy-error.js';
import { TierPolicyWatcher, type TierPolicyReload } from './tier-policy-watcher.js';

function policyText(version: string, realtimeBoundMs = 1000): string {
  return `version: "${version}"
default_tier: TIER_STANDARD
rules:
  - id: interactive-inference
    tier: TIER_REALTIME
    when: { kind_in: [WORKLOAD_KIND_INFERENCE], max_latency_ms_lte: ${realtimeBoundMs} }
`;
}

describe('TierPolicyWatcher', () => {
  let dir: string;
  let path: string;
  let watcher: TierPolicyWatcher | undefined;
  const reloads: TierPolicyReload[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tier-policy-'));
    path = join(dir, 'tier-policy.yaml');
    reloads.length = 0;
    await writeFile(path, policyText('v1'));
  });

  afterEach(async () => {
    watcher?.close();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  // A long debounce keeps file events out of the tests that trigger reloads themselves.
  function start(options: { reloadSignal?: NodeJS.Signals | null; debounceMs?: number } = {}) {
    return TierPolicyWatcher.start(path, {
      reloadSignal: null,
      debounceMs: 60_000,
      ...options,
      onReload: (reload) => reloads.push(reload),
    });
  }

  it('given a valid file, when started, then the policy is current', async () => {
    watcher = await start();

    expect(watcher.current.version).toBe('v1');
  });

  it('given an invalid file, when started, then it refuses with the validation error', async () => {
    await writeFile(path, 'version: "v1"\ndefault_tier: TIER_FAST\nrules: []\n');

    await expect(start()).rejects.toThrow(TierPolicyError);
  });

  it('given a new valid version on disk, when reloaded, then it becomes current', async () => {
    watcher = await start();
    await writeFile(path, policyText('v2', 1500));

    const reload = await watcher.reload();

    expect(reload).toMatchObject({ outcome: 'loaded', previousVersion: 'v1', trigger: 'manual' });
    expect(watcher.current.version).toBe('v2');
  });

  it('given an invalid file on disk, when reloaded, then the last good policy stays and the error is reported', async () => {
    watcher = await start();
    await writeFile(path, policyText('v2').replace('TIER_REALTIME', 'TIER_FAST'));

    const reload = await watcher.reload();

    expect(reload.outcome).toBe('rejected');
    expect(reload.outcome === 'rejected' && reload.error.issues[0]?.path).toBe('rules[0].tier');
    expect(watcher.current.version).toBe('v1');
    expect(reloads).toEqual([reload]);
  });

  it('given the file was deleted, when reloaded, then the last good policy stays', async () => {
    watcher = await start();
    await rm(path);

    const reload = await watcher.reload();

    expect(reload.outcome).toBe('rejected');
    expect(watcher.current.version).toBe('v1');
  });

  it('given a changed file that kept its version, when reloaded, then it is rejected: a version names one policy', async () => {
    watcher = await start();
    await writeFile(path, policyText('v1', 3000));

    const reload = await watcher.reload();

    expect(reload.outcome === 'rejected' && reload.error.message).toMatch(/version "v1" is already in use.*bump the version/);
    expect(watcher.current.rules[0]?.when.max_latency_ms_lte).toBe(1000);
  });

  it('given only comments changed, when reloaded, then the policy is unchanged', async () => {
    watcher = await start();
    await writeFile(path, `# reviewed by SRE\n${policyText('v1')}`);

    expect((await watcher.reload()).outcome).toBe('unchanged');
  });

  it('given a new version on disk, when SIGHUP arrives, then it is reloaded', async () => {
    watcher = await start({ reloadSignal: 'SIGHUP' });
    await writeFile(path, policyText('v2'));

    const reloaded = nextReload();
    process.emit('SIGHUP', 'SIGHUP');

    expect(await reloaded).toMatchObject({ outcome: 'loaded', trigger: 'signal' });
    expect(watcher.current.version).toBe('v2');
  });

  it('given a running watcher, when the file is rewritten, then the new version is picked up', async () => {
    watcher = await start({ debounceMs: 50 });
    const reloaded = nextReload();

    await writeFile(path, policyText('v2'));

    expect(await reloaded).toMatchObject({ outcome: 'loaded', trigger: 'file-change' });
    expect(watcher.current.version).toBe('v2');
  }, 10_000);

  /** Resolves with the first reload reported from now on. */
  function nextReload(): Promise<TierPolicyReload> {
    const seen = reloads.length;
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        const reload = reloads[seen];
        if (reload) {
          clearInterval(poll);
          resolve(reload);
        }
      }, 10);
    });
  }
});
