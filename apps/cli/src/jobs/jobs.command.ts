// User commands over the enterprise gRPC API (JobService): submit, quote, jobs list|get, watch, cancel.
import { Option, type Command } from 'commander';
import { api } from '@switchyard/contracts/messages';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../command-context.js';
import type { EndpointOptions } from './job-service.js';
import { GANG_DOMAIN_NAMES, KIND_NAMES, type SpecFlags } from './job-spec-input.js';

interface RawEndpoint {
  endpoint?: string;
  apiKey?: string;
  tls?: boolean;
  callTimeout: string;
}

function withEndpoint(command: Command, service = 'intake JobService address (default: $SWITCHYARD_ENDPOINT or 127.0.0.1:50051)'): Command {
  return command
    .option('--endpoint <host:port>', service)
    .option('--api-key <key>', 'tenant API key, sent as "authorization: Bearer <key>" (default: $SWITCHYARD_API_KEY)')
    .option('--tls', 'connect with TLS (default: plaintext, as the local run serves)')
    .option('--call-timeout <ms>', 'deadline of each call', '10000');
}

function withSpec(command: Command): Command {
  return command
    .option('--spec <file>', 'JobSpec as YAML/JSON (protobuf JSON names: gpuClass, gpuCount, ...); flags override it')
    .addOption(new Option('--kind <kind>', 'workload kind').choices(KIND_NAMES))
    .option('--model <ref>', 'model reference, e.g. meta-llama/Llama-3.1-8B-Instruct@main')
    .option('--image <ref>', 'OCI image reference (instead of --model)')
    .option('--gpu-class <class>', 'GPU class, e.g. a100-80g, h100-80g, l4')
    .option('--gpus <n>', 'GPU count')
    .option('--min-vram <gib>', 'minimum memory per GPU, GiB')
    .option('--max-latency-ms <ms>', 'declared latency bound')
    .option('--deadline <time>', 'RFC 3339 time the job must finish by')
    .option('--region <region...>', 'allowed provider regions')
    .option('--residency <jurisdiction>', 'data residency, e.g. EU')
    .option('--max-price <base-units>', 'most the job may cost, integer base units')
    .option('--duration <seconds>', 'estimated run time')
    .option('--label <key=value...>', 'labels')
    .option('--depends-on <job...>', 'jobs this one waits for (a pipeline step): <job id> or <job id>:<bytes of its output read>')
    .addOption(
      new Option(
        '--gang <domain>',
        "where the --gpus must be: all on one provider (default), or split over one operator's providers in one region",
      ).choices(GANG_DOMAIN_NAMES),
    );
}

export function registerJobCommands(program: Command, context: CommandContext): void {
  const endpointOf = (
    command: Command,
    fallback: { env: string; address: string } = { env: 'SWITCHYARD_ENDPOINT', address: '127.0.0.1:50051' },
  ): EndpointOptions => {
    const raw = command.opts<RawEndpoint>();
    const env = context.terminal.env;
    if (!/^\d+$/.test(raw.callTimeout)) throw usageError(`--call-timeout must be whole milliseconds, not "${raw.callTimeout}"`);
    return {
      endpoint: raw.endpoint ?? env[fallback.env] ?? fallback.address,
      apiKey: raw.apiKey ?? env.SWITCHYARD_API_KEY,
      tls: raw.tls === true,
      timeoutMs: Number(raw.callTimeout),
    };
  };
  const actions = () => import('./job-actions.js');

  withSpec(withEndpoint(program.command('submit')))
    .description('submit a job (spec from flags and/or --spec file) and print it')
    .option('--idempotency-key <key>', 'same key, same job: retries never submit twice (default: a new UUID, printed on stderr)')
    .option('--accepted-rate-card <version>', 'refuse if the current rate card is another version')
    .addHelpText(
      'after',
      `
Examples:
  $ switchyard submit --kind inference --model meta-llama/Llama-3.1-8B-Instruct@main --gpu-class l4 --gpus 1 --max-latency-ms 300 --duration 30
  $ switchyard submit --spec job.yaml --idempotency-key nightly-2026-11-24 --json`,
    )
    .action((flags: SpecFlags & { idempotencyKey?: string; acceptedRateCard?: string }, command: Command) =>
      context.runWithoutLog(command, async (output) => (await actions()).submit(endpointOf(command), output, flags)),
    );

  withSpec(withEndpoint(program.command('quote')))
    .description('price a spec per tier without submitting it')
    .addHelpText(
      'after',
      `
Example:
  $ switchyard quote --kind training --gpu-class h100-80g --gpus 8 --duration 21600`,
    )
    .action((flags: SpecFlags, command: Command) =>
      context.runWithoutLog(command, async (output) => (await actions()).quote(endpointOf(command), output, flags)),
    );

  const jobs = program.command('jobs').description("the tenant's jobs (list, get)");
  withEndpoint(jobs.command('list'))
    .description('list jobs, newest first, optionally by state and tier')
    .option(
      '--state <state...>',
      `only these states: ${Object.values(api.JobState)
        .filter((s) => s !== 'UNRECOGNIZED' && s !== 'JOB_STATE_UNSPECIFIED')
        .map((s) => s.replace('JOB_STATE_', '').toLowerCase())
        .join(', ')}`,
    )
    .option('--tier <tier...>', 'only these tiers: realtime, standard, batch, training')
    .option('--page-size <n>', 'jobs per page (0: the server default)', '0')
    .option('--all', 'follow every page')
    .addHelpText(
      'after',
      `
Examples:
  $ switchyard jobs list --state queued placed
  $ switchyard jobs list --tier realtime --all --json`,
    )
    .action((options: { state?: string[]; tier?: string[]; pageSize: string; all?: boolean }, command: Command) => {
      const states = (options.state ?? []).map((s) => enumValue(api.JobState, 'JOB_STATE_', s, '--state'));
      const tiers = (options.tier ?? []).map((t) => enumValue(api.Tier, 'TIER_', t, '--tier'));
      if (!/^\d+$/.test(options.pageSize)) throw usageError(`--page-size must be a whole number, not "${options.pageSize}"`);
      return context.runWithoutLog(command, async (output) =>
        (await actions()).listJobs(endpointOf(command), output, {
          states,
          tiers,
          pageSize: Number(options.pageSize),
          all: options.all === true,
        }),
      );
    });
  withEndpoint(jobs.command('get'))
    .description('one job as intake sees it')
    .argument('<job>', 'job id')
    .addHelpText(
      'after',
      `
Example:
  $ switchyard jobs get 0193a8e2-7c1e-7d4a-9f00-5b2c1e0a9d11`,
    )
    .action((jobId: string, _options: unknown, command: Command) =>
      context.runWithoutLog(command, async (output) => (await actions()).getJob(endpointOf(command), output, jobId)),
    );

  withEndpoint(program.command('watch'))
    .description("stream a job's lifecycle steps until it finishes")
    .argument('<job>', 'job id')
    .option('--timeout <seconds>', 'stop watching after this long (exit 0)')
    .addHelpText(
      'after',
      `
Example:
  $ switchyard watch 0193a8e2-7c1e-7d4a-9f00-5b2c1e0a9d11 --timeout 600`,
    )
    .action((jobId: string, options: { timeout?: string }, command: Command) => {
      if (options.timeout !== undefined && !/^\d+$/.test(options.timeout))
        throw usageError(`--timeout must be whole seconds, not "${options.timeout}"`);
      return context.runWithoutLog(command, async (output) =>
        (await actions()).watch(endpointOf(command), output, jobId, options.timeout === undefined ? undefined : Number(options.timeout)),
      );
    });

  withEndpoint(program.command('usage'), 'metering UsageService address (default: $SWITCHYARD_METERING_ENDPOINT or 127.0.0.1:50054)')
    .description('metered usage lines and their total (a tenant sees its jobs, an operator its providers)')
    .option('--provider <id>', "only this provider's usage (operators and admins)")
    .option('--start <time>', 'metered at or after this RFC 3339 time')
    .option('--end <time>', 'metered before this RFC 3339 time')
    .option('--page-size <n>', 'lines per call (0: the server default)', '0')
    .addHelpText(
      'after',
      `
Examples:
  $ switchyard usage --start 2026-11-01T00:00:00Z --end 2026-12-01T00:00:00Z
  $ switchyard usage --provider prov-fra-1 --json | jq -r .priceBaseUnits`,
    )
    .action((options: { provider?: string; start?: string; end?: string; pageSize: string }, command: Command) => {
      const start = optionalTime('--start', options.start);
      const end = optionalTime('--end', options.end);
      if (!/^\d+$/.test(options.pageSize)) throw usageError(`--page-size must be a whole number, not "${options.pageSize}"`);
      return context.runWithoutLog(command, async (output) =>
        (await import('./usage-actions.js')).usage(
          endpointOf(command, { env: 'SWITCHYARD_METERING_ENDPOINT', address: '127.0.0.1:50054' }),
          output,
          {
            providerId: options.provider ?? '',
            start,
            end,
            pageSize: Number(options.pageSize),
          },
        ),
      );
    });

  const payoutEndpoint = { env: 'SWITCHYARD_PAYOUT_ENDPOINT', address: '127.0.0.1:50055' };
  const payoutHelp = 'payout PayoutService address (default: $SWITCHYARD_PAYOUT_ENDPOINT or 127.0.0.1:50055)';
  withEndpoint(program.command('balance'), payoutHelp)
    .description('the balance of a ledger account')
    .argument('<account>', 'tenant:<id>, provider:<id>, protocol:fees or payouts:paid')
    .addHelpText(
      'after',
      `
A tenant's balance is its running spend (negative); a provider's is what it is owed.

Examples:
  $ switchyard balance tenant:acme
  $ switchyard balance provider:prov-fra-1 --json`,
    )
    .action((accountId: string, _options: unknown, command: Command) =>
      context.runWithoutLog(command, async (output) =>
        (await import('./payout-actions.js')).balance(endpointOf(command, payoutEndpoint), output, accountId),
      ),
    );
  withEndpoint(program.command('statements'), payoutHelp)
    .description("a provider's payout statements, one per closed epoch, newest first")
    .argument('<provider>', 'provider id')
    .option('--page-size <n>', 'statements per call (0: the server default)', '0')
    .addHelpText(
      'after',
      `
Example:
  $ switchyard statements prov-fra-1`,
    )
    .action((providerId: string, options: { pageSize: string }, command: Command) => {
      if (!/^\d+$/.test(options.pageSize)) throw usageError(`--page-size must be a whole number, not "${options.pageSize}"`);
      return context.runWithoutLog(command, async (output) =>
        (await import('./payout-actions.js')).statements(endpointOf(command, payoutEndpoint), output, {
          providerId,
          pageSize: Number(options.pageSize),
        }),
      );
    });

  withEndpoint(program.command('cancel'))
    .description('ask to cancel a job (it stays in its state until the cancellation is done)')
    .argument('<job>', 'job id')
    .option('--reason <text>', 'why, recorded on JobCancelRequested', '')
    .addHelpText(
      'after',
      `
Example:
  $ switchyard cancel 0193a8e2-7c1e-7d4a-9f00-5b2c1e0a9d11 --reason "wrong model"`,
    )
    .action((jobId: string, options: { reason: string }, command: Command) =>
      context.runWithoutLog(command, async (output) => (await actions()).cancel(endpointOf(command), output, jobId, options.reason)),
    );
}

function optionalTime(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) throw usageError(`${flag} must be an RFC 3339 time, not "${value}"`);
  return new Date(value);
}

function enumValue<E extends Record<string, string>>(values: E, prefix: string, input: string, flag: string): E[keyof E] {
  const name = `${prefix}${input.toUpperCase().replace(/-/g, '_').replace(prefix, '')}`;
  if (!(name in values) || name.endsWith('UNSPECIFIED')) throw usageError(`${flag}: unknown value "${input}"`);
  return values[name as keyof E];
}
