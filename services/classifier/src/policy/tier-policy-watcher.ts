import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { TierPolicy } from '../domain/index.js';
import { loadTierPolicy } from './load-tier-policy.js';
import { TierPolicyError } from './tier-policy-error.js';

export type TierPolicyReloadTrigger = 'file-change' | 'signal' | 'manual';

/** What one reload did. The policy in use only ever changes to a valid one. */
export type TierPolicyReload =
  | { readonly outcome: 'loaded'; readonly trigger: TierPolicyReloadTrigger; readonly policy: TierPolicy; readonly previousVersion: string }
  | { readonly outcome: 'unchanged'; readonly trigger: TierPolicyReloadTrigger; readonly policy: TierPolicy }
  | {
      readonly outcome: 'rejected';
      readonly trigger: TierPolicyReloadTrigger;
      readonly error: TierPolicyError;
      /** The last good policy, still in use. */
      readonly policy: TierPolicy;
    };

export interface TierPolicyWatchOptions {
  /** Told about every reload. Without it a rejected file is reported as a process warning. */
  readonly onReload?: (reload: TierPolicyReload) => void;
  /** Signal that forces a reload; `null` for none. Default SIGHUP. */
  readonly reloadSignal?: NodeJS.Signals | null;
  /** Editors write a file in several steps; wait this long after the last change. Default 100 ms. */
  readonly debounceMs?: number;
}

/**
 * Holds the tier policy in use and reloads it when its file changes or on SIGHUP. A file that
 * fails validation is reported and ignored: the service keeps classifying with the last good
 * policy rather than stopping or falling back to nothing.
 */
export class TierPolicyWatcher {
  private policy: TierPolicy;
  private readonly fileWatcher: FSWatcher;
  private debounce: NodeJS.Timeout | undefined;
  // Reloads run one after the other, so a slow read cannot overwrite a newer one.
  private queue: Promise<unknown> = Promise.resolve();
  private readonly onSignal = () => void this.reload('signal');

  /** Loads the policy (throwing TierPolicyError if the file is unusable) and starts watching it. */
  static async start(path: string, options: TierPolicyWatchOptions = {}): Promise<TierPolicyWatcher> {
    return new TierPolicyWatcher(path, await loadTierPolicy(path), options);
  }

  private constructor(
    readonly path: string,
    initial: TierPolicy,
    private readonly options: TierPolicyWatchOptions,
  ) {
    this.policy = initial;
    // The directory, not the file: editors and config mounts replace the file, which ends a watch on it.
    this.fileWatcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (filename === null || filename === basename(path)) this.scheduleReload();
    });
    this.fileWatcher.on('error', () => this.fileWatcher.close()); // the signal still works
    const signal = options.reloadSignal === undefined ? 'SIGHUP' : options.reloadSignal;
    if (signal) process.on(signal, this.onSignal);
  }

  /** The policy to classify with now: always one that passed validation. */
  get current(): TierPolicy {
    return this.policy;
  }

  reload(trigger: TierPolicyReloadTrigger = 'manual'): Promise<TierPolicyReload> {
    const next = this.queue.then(() => this.loadOnce(trigger));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    clearTimeout(this.debounce);
    this.fileWatcher.close();
    const signal = this.options.reloadSignal === undefined ? 'SIGHUP' : this.options.reloadSignal;
    if (signal) process.off(signal, this.onSignal);
  }

  private scheduleReload(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload('file-change'), this.options.debounceMs ?? 100);
    this.debounce.unref();
  }

  private async loadOnce(trigger: TierPolicyReloadTrigger): Promise<TierPolicyReload> {
    const reload = await this.attempt(trigger);
    if (reload.outcome === 'loaded') this.policy = reload.policy;
    this.report(reload);
    return reload;
  }

  private async attempt(trigger: TierPolicyReloadTrigger): Promise<TierPolicyReload> {
    const previous = this.policy;
    let candidate: TierPolicy;
    try {
      candidate = await loadTierPolicy(this.path);
    } catch (error) {
      return { outcome: 'rejected', trigger, error: asPolicyError(this.path, error), policy: previous };
    }
    if (isDeepStrictEqual(candidate, previous)) return { outcome: 'unchanged', trigger, policy: previous };
    if (candidate.version === previous.version) {
      // JobClassified names the policy by version only: two different policies under one
      // version would make replay verify blame the decider for a policy change.
      const message = `version "${candidate.version}" is already in use with different content; bump the version`;
      return { outcome: 'rejected', trigger, error: new TierPolicyError(this.path, [{ path: 'version', message }]), policy: previous };
    }
    return { outcome: 'loaded', trigger, policy: candidate, previousVersion: previous.version };
  }

  private report(reload: TierPolicyReload): void {
    if (this.options.onReload) this.options.onReload(reload);
    else if (reload.outcome === 'rejected') {
      process.emitWarning(`${reload.error.message}\nstill using tier policy ${reload.policy.version}`, 'TierPolicyWarning');
    }
  }
}

function asPolicyError(path: string, error: unknown): TierPolicyError {
  if (error instanceof TierPolicyError) return error;
  return new TierPolicyError(path, [{ path: '', message: error instanceof Error ? error.message : String(error) }]);
}
