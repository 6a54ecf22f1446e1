// Reading the tier policy file: the service watches it, the CLI loads one for what-if replays.
export { defaultTierPolicyPath, loadTierPolicy } from './load-tier-policy.js';
export { parseTierPolicy } from './parse-tier-policy.js';
export { defaultTierPolicyArchiveDir, loadTierPolicyVersion } from './tier-policy-archive.js';
export { TierPolicyError, type TierPolicyIssue } from './tier-policy-error.js';
export {
  TierPolicyWatcher,
  type TierPolicyReload,
  type TierPolicyReloadTrigger,
  type TierPolicyWatchOptions,
} from './tier-policy-watcher.js';
