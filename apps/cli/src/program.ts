import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { CommandContext } from './command-context.js';
import { DEFAULT_TOPIC_PREFIX } from './global-options.js';
import { registerTimeline } from './timeline/timeline.command.js';
import { registerExplain } from './explain/explain.command.js';
import { registerReplay } from './replay/replay.command.js';
import { registerTail } from './tail/tail.command.js';
import { registerJobCommands } from './jobs/jobs.command.js';
import { registerProviders } from './providers/providers.command.js';
import { registerRebuild } from './rebuild/rebuild.command.js';
import { registerCompletion } from './completion/completion.command.js';
import { registerDeadLetters } from './dlt/dlt.command.js';

const EXIT_CODES = `
Exit codes:
  0  ok
  1  unexpected failure
  2  bad usage or input (unknown option, malformed time range, unreadable or invalid policy file)
  3  not found (unknown job id, topic or policy version)
  4  unavailable (event log or endpoint unreachable, no event log in the database)
  5  replay verify: at least one decision did not reproduce
  6  not authenticated: the endpoint refused the API key (missing, unknown, not allowed)

rebuild also exits 1 when an event fails to apply (nothing is swapped), 2 when the tables cannot
be swapped (the live schema is at another migration), 4 when another rebuild of it is running.`;

/** The `switchyard` command tree. Commander errors are thrown (exitOverride) so main maps them to exit codes. */
export function buildProgram(context: CommandContext): Command {
  const terminal = context.terminal;
  const program = new Command('switchyard')
    .description(
      'Switchyard from the command line: submit and follow jobs over gRPC; follow, explain and replay job routing from the event log',
    )
    .version(cliVersion())
    .option('--json', 'machine-readable output: one JSON document per line on stdout')
    .addOption(
      new Option('--backend <backend>', 'event log backend (default: kafka if KAFKA_BROKERS is set, else postgres)').choices([
        'kafka',
        'postgres',
      ]),
    )
    .option('--brokers <list>', 'Kafka brokers, host:port[,host:port] (default: $KAFKA_BROKERS)')
    .option('--database-url <url>', 'PostgreSQL holding the event log (default: $DATABASE_URL)')
    .option('--topic-prefix <prefix>', `topic name prefix (default: $SWITCHYARD_TOPIC_PREFIX or "${DEFAULT_TOPIC_PREFIX}")`)
    .option('--no-color', 'no colours (also when NO_COLOR is set or stdout is not a terminal)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => terminal.stdout.write(text),
      writeErr: (text) => terminal.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Data goes to stdout, progress and diagnostics to stderr.
${EXIT_CODES}

Examples:
  $ switchyard timeline job-7f3a
  $ switchyard explain job-7f3a
  $ switchyard replay verify --from 2026-11-24T00:00:00Z --to 2026-11-25T00:00:00Z
  $ switchyard replay what-if --policy tier-policy.yaml --from beginning --to end
  $ switchyard tail jobs --type JobPlaced
  $ switchyard rebuild jobs
  $ switchyard dlt list
  $ source <(switchyard completion bash)
  $ switchyard submit --kind inference --gpu-class l4 --gpus 1 --max-latency-ms 300 --duration 30 --api-key $KEY`,
    );
  registerTimeline(program, context);
  registerExplain(program, context);
  registerReplay(program, context);
  registerTail(program, context);
  registerRebuild(program, context);
  registerJobCommands(program, context);
  registerProviders(program, context);
  registerDeadLetters(program, context);
  registerCompletion(program, context);
  // Subcommands inherit output settings and the exit override, so their errors map the same way.
  for (const command of program.commands) inheritSettings(command, program);
  return program;
}

function inheritSettings(command: Command, parent: Command): void {
  command.exitOverride().showHelpAfterError('(run with --help for usage)').configureOutput(parent.configureOutput());
  for (const sub of command.commands) inheritSettings(sub, command);
}

/** The version in @switchyard/cli's package.json (one directory above src/ and dist/). */
function cliVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}
