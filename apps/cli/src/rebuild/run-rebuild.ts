// `switchyard rebuild`: loaded only when the command runs (the projections pull in the services).
import { intakeProjections } from '@switchyard/intake/projections';
import { ProjectionRebuildError, rebuildProjection, type Projection, type RebuildReport } from '@switchyard/event-runtime';
import { CliError, notFound, usageError } from '../cli-error.js';
import type { LogSession } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { startProgress } from '../progress.js';
import type { Output } from '../terminal.js';
import type { RebuildFlags } from './rebuild.command.js';

/** Every projection a service declares; a service with a new projection adds it here. */
export const PROJECTIONS: readonly Projection[] = [...intakeProjections];

export async function findProjection(name: string): Promise<Projection> {
  const projection = PROJECTIONS.find((p) => p.name === name);
  if (!projection) throw notFound(`no projection named "${name}" (known: ${PROJECTIONS.map((p) => p.name).join(', ')})`);
  return projection;
}

export function listProjections(output: Output): void {
  for (const projection of PROJECTIONS) {
    const described = {
      name: projection.name,
      service: projection.service,
      schema: projection.defaultSchema,
      tables: projection.tables,
      topics: projection.sources('').map((s) => s.topic),
      description: projection.description,
    };
    if (output.json) output.document(described);
    else
      output.line(
        `${output.colors.bold(described.name.padEnd(8))} ${described.service}: ${described.tables.join(', ')} from ${described.topics.join(', ')} — ${described.description}`,
      );
  }
}

export async function runRebuild(session: LogSession, projection: Projection, flags: RebuildFlags): Promise<void> {
  const databaseUrl = flags.serviceDatabaseUrl ?? session.options.databaseUrl;
  if (databaseUrl === undefined || databaseUrl === '') {
    throw usageError(`the ${projection.service} database is needed: pass --service-database-url or --database-url, or set DATABASE_URL`);
  }
  const schema = flags.schema ?? projection.defaultSchema;
  const progress = startProgress(session.output, `rebuild ${projection.name}`, 0);
  let shown = 0;
  let report: RebuildReport;
  try {
    report = await rebuildProjection({
      projection,
      eventLog: session.log,
      databaseUrl,
      schema,
      consumerGroup: flags.consumerGroup ?? projection.defaultConsumerGroup,
      topicPrefix: session.options.topicPrefix,
      dropRetired: flags.dropRetired === true,
      skipFailed: flags.skipFailed === true,
      onProgress: (read, total) => {
        progress.total(total);
        progress.increment(read - shown);
        shown = read;
      },
    });
  } catch (error) {
    throw asCliError(error);
  } finally {
    progress.stop();
  }
  if (session.output.json) session.output.document(report);
  else renderReport(report, session.output);
}

function asCliError(error: unknown): unknown {
  if (!(error instanceof ProjectionRebuildError)) return error;
  switch (error.kind) {
    case 'not-found':
      return new CliError(error.message, ExitCode.NOT_FOUND);
    case 'busy':
    case 'unavailable':
      return new CliError(error.message, ExitCode.UNAVAILABLE);
    case 'incompatible':
      return new CliError(error.message, ExitCode.USAGE);
    case 'failed-event':
      return new CliError(error.message, ExitCode.FAILURE);
  }
}

const count = (n: number) => n.toLocaleString('en-US');

function renderReport(report: RebuildReport, output: Output): void {
  const { events } = report;
  output.line(
    `${output.colors.bold(`rebuilt ${report.projection}`)} in schema ${report.schema} from ${count(events.read)} events (consumer group ${report.consumerGroup})`,
  );
  output.line(`  tables:    ${report.tables.map((t) => `${t.table} ${count(t.rows)} rows`).join(', ')}`);
  output.line(
    `  events:    ${count(events.applied)} applied, ${count(events.unchanged)} changed nothing, ${count(events.duplicates)} duplicates, ` +
      `${count(events.notFolded)} of other types, ${count(events.fromOutbox)} not yet published (from the outbox), ${count(events.failed)} failed`,
  );
  for (const { reason, count: times } of report.unchangedReasons) output.line(`               ${count(times)} × ${reason}`);
  for (const failure of report.failures)
    output.line(
      output.colors.red(
        `  failed:    ${failure.type} ${failure.id} at ${failure.topic}/${failure.partition}@${failure.offset}: ${failure.error}`,
      ),
    );
  output.line(`  through:   ${report.through.map((p) => `${p.topic}/${p.partition}@${p.offset}`).join(' ')}`);
  output.line(
    `  swap:      held the live tables for ${report.writesPausedMs} ms (after ${report.passes} folding pass${report.passes === 1 ? '' : 'es'}, attempt ${report.swapAttempts})`,
  );
  output.line(
    report.retiredSchema === null
      ? '  replaced tables dropped'
      : `  replaced tables kept in schema ${report.retiredSchema} (drop with: DROP SCHEMA "${report.retiredSchema}" CASCADE)`,
  );
}
