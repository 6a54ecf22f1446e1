// The replay actions, loaded only when a replay command runs (the deciders pull in the services).
import type { LogPosition } from '@switchyard/event-log';
import type { LogSession } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { describePosition } from '../log/log-position.js';
import { startProgress } from '../progress.js';
import { KNOWN_PLACEMENT_POLICIES, loadPlacementPolicyFile, placementPolicyOfVersion } from './placement-policies.js';
import { renderVerify, renderWhatIf } from './render-replay.js';
import { readReplayWindow, type ReplayWindow, type WindowBounds } from './replay-window.js';
import { rateCardFile, shippedRateCards } from './rate-cards.js';
import { archivedTierPolicies, tierPolicyFile } from './tier-policies.js';
import { verifyDecisions } from './verify-decisions.js';
import { whatIf } from './what-if.js';

const unknownPlacementVersion = (version: string) =>
  `placement policy version "${version}" is not known to this CLI (known: ${[...KNOWN_PLACEMENT_POLICIES.keys()].join(', ')})`;

const span = (bounds: { from?: LogPosition; to?: LogPosition }) =>
  `${describePosition(bounds.from, 'beginning')} .. ${describePosition(bounds.to, 'end')}`;

async function readWindow({ log, topics, output }: LogSession, bounds: WindowBounds): Promise<ReplayWindow> {
  const progress = startProgress(output, 'reading jobs', 0);
  try {
    return await readReplayWindow(log, topics, bounds, progress);
  } finally {
    progress.stop();
  }
}

export async function runVerify(session: LogSession, bounds: WindowBounds, policyArchive: string | undefined): Promise<number> {
  const window = await readWindow(session, bounds);
  const tierPolicies = await archivedTierPolicies(
    window.classifications.map((c) => c.classified.policyVersion),
    policyArchive,
  );
  const report = verifyDecisions(window, {
    tier: (version) => tierPolicies.get(version) ?? `tier policy version "${version}" not loaded`,
    placement: (version) => placementPolicyOfVersion(version) ?? unknownPlacementVersion(version),
  });
  if (session.output.json) session.output.document({ window: span(bounds), ...report });
  else renderVerify(report, span(bounds), session.output);
  return report.mismatches.length === 0 ? ExitCode.OK : ExitCode.NOT_REPRODUCED;
}

export interface WhatIfFiles {
  readonly policy?: string;
  readonly placementPolicy?: string;
  readonly rateCard?: string;
}

/** Loads the policy files; a bad file is a usage error, raised before the log is opened. */
export async function loadWhatIfPolicies(files: WhatIfFiles) {
  return {
    tier: files.policy === undefined ? undefined : await tierPolicyFile(files.policy),
    placement: files.placementPolicy === undefined ? undefined : await loadPlacementPolicyFile(files.placementPolicy),
    rateCard: files.rateCard === undefined ? undefined : await rateCardFile(files.rateCard),
  };
}

export async function runWhatIf(
  session: LogSession,
  bounds: WindowBounds,
  policies: Awaited<ReturnType<typeof loadWhatIfPolicies>>,
): Promise<void> {
  const baseline = await shippedRateCards().catch((error: Error) => {
    session.output.warn(`tenant prices left out: the shipped rate cards do not load (${error.message.split('\n')[0]})`);
    return undefined;
  });
  const window = await readWindow(session, bounds);
  const report = whatIf(window, {
    tier: policies.tier,
    placement: policies.placement,
    ...(baseline === undefined
      ? {}
      : {
          rateCards: {
            baseline,
            candidate: policies.rateCard ?? baseline,
            candidateVersion: policies.rateCard ? policies.rateCard.map((c) => c.version).join(',') : null,
          },
        }),
    recordedPlacement: (version) => placementPolicyOfVersion(version) ?? unknownPlacementVersion(version),
  });
  if (session.output.json) session.output.document({ window: span(bounds), ...report });
  else renderWhatIf(report, span(bounds), session.output);
}
