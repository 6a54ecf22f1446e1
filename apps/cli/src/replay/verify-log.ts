// `replay verify` as a library call: the same window read, archived policies and comparison the
// command runs, over a log the caller opened (fault tests check a whole run's decisions with it).
import type { EventLog } from '@switchyard/event-log';
import { TopicMap } from '../log/topics.js';
import { placementPolicyOfVersion } from './placement-policies.js';
import { readReplayWindow, type WindowBounds } from './replay-window.js';
import { archivedTierPolicies } from './tier-policies.js';
import { verifyDecisions, type VerifyReport } from './verify-decisions.js';

const quiet = { total: () => undefined, increment: () => undefined, stop: () => undefined };

export async function verifyLog(
  log: EventLog,
  options: { topicPrefix: string; bounds?: WindowBounds; policyArchive?: string },
): Promise<VerifyReport> {
  const window = await readReplayWindow(log, new TopicMap(options.topicPrefix), options.bounds ?? {}, quiet);
  const tierPolicies = await archivedTierPolicies(
    window.classifications.map((c) => c.classified.policyVersion),
    options.policyArchive,
  );
  return verifyDecisions(window, {
    tier: (version) => tierPolicies.get(version) ?? `tier policy version "${version}" not loaded`,
    placement: (version) => placementPolicyOfVersion(version) ?? `placement policy version "${version}" is not known to this CLI`,
  });
}
