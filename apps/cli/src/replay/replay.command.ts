import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { parseWindow } from '../log/log-position.js';

interface WindowOptions {
  from?: string;
  to?: string;
}

const WINDOW_HELP = `
--from/--to: an RFC 3339 time (per partition, the first record appended at or after it), an
offset (a whole number, applied to every partition of the jobs topic), or beginning/end.
--from is inclusive, --to exclusive; without --to the window ends where the log ends now.
Reads with replay reads: joins no consumer group and writes nothing.`;

export function registerReplay(program: Command, context: CommandContext): void {
  const replay = program
    .command('replay')
    .description('re-run recorded classifier and placement decisions: verify them, or see what another policy would do')
    .addHelpText('after', WINDOW_HELP);

  replay
    .command('verify')
    .description('re-run each decision in the window with the policy version it recorded; report those that do not reproduce')
    .option('--from <time|offset>', 'window start (inclusive)', 'beginning')
    .option('--to <time|offset>', 'window end (exclusive)', 'end')
    .option('--policy-archive <dir>', "directory of archived tier policies, <version>.yaml (default: the classifier's policy/versions/)")
    .addHelpText(
      'after',
      `${WINDOW_HELP}

Exit code 5 when at least one decision did not reproduce (each is listed with its differences).

Examples:
  $ switchyard replay verify --from 2026-11-24T00:00:00Z --to 2026-11-24T12:00:00Z
  $ switchyard replay verify --from 0 --to 5000 --json`,
    )
    .action((options: WindowOptions & { policyArchive?: string }, command: Command) => {
      // Input is checked before connecting: a typo is exit 2 even when the log is down.
      const bounds = parseWindow(options.from, options.to);
      return context.run(command, async (session) => (await import('./run-replay.js')).runVerify(session, bounds, options.policyArchive));
    });

  replay
    .command('what-if')
    .description('the window under another tier and/or placement policy: tier, provider, price, latency and operator-share changes')
    .option('--policy <file>', 'tier policy file (YAML/JSON, docs/tier-policy.md) to re-classify with')
    .option('--placement-policy <file>', 'placement policy file (YAML/JSON, docs/cli.md) to re-score with')
    .option('--rate-card <file>', 'rate card file (metering format, docs/rate-card.md) to price each job in its (new) tier with')
    .option('--from <time|offset>', 'window start (inclusive)', 'beginning')
    .option('--to <time|offset>', 'window end (exclusive)', 'end')
    .addHelpText(
      'after',
      `${WINDOW_HELP}

Placement is re-scored over each decision's recorded candidates; the filter is not re-run, so a
change to share caps or tenant rules is not reflected. Identical input gives an identical report.

Examples:
  $ switchyard replay what-if --policy services/classifier/policy/tier-policy.yaml --from 2026-11-24T00:00:00Z
  $ switchyard replay what-if --placement-policy batch-cheaper.yaml --from 0 --json
  $ switchyard replay what-if --rate-card services/metering/rate-cards/rate-cards.yaml --policy new-tiers.yaml`,
    )
    .action(async (options: WindowOptions & { policy?: string; placementPolicy?: string; rateCard?: string }, command: Command) => {
      // Input is checked before connecting: a bad window or policy file is exit 2 even when the log is down.
      const bounds = parseWindow(options.from, options.to);
      if (options.policy === undefined && options.placementPolicy === undefined && options.rateCard === undefined) {
        command.error('error: give at least one of --policy, --placement-policy, --rate-card', { exitCode: ExitCode.USAGE });
      }
      const replay = await import('./run-replay.js');
      const policies = await replay.loadWhatIfPolicies(options);
      return context.run(command, (session) => replay.runWhatIf(session, bounds, policies));
    });
}
