// The user commands' actions over JobService, loaded only when one runs (grpc-js, contracts).
import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../terminal.js';
import { cliErrorOf, connectJobService, unary, type EndpointOptions, type JobService } from './job-service.js';
import { jobSpecFrom, type SpecFlags } from './job-spec-input.js';
import { jobLine, renderJob, renderQuote, TERMINAL_STATES } from './render-job.js';

async function withService<T>(endpoint: EndpointOptions, action: (service: JobService) => Promise<T>): Promise<T> {
  const service = connectJobService(endpoint);
  try {
    return await action(service);
  } finally {
    service.close();
  }
}

export async function submit(
  endpoint: EndpointOptions,
  output: Output,
  flags: SpecFlags & { idempotencyKey?: string; acceptedRateCard?: string },
): Promise<void> {
  const spec = await jobSpecFrom(flags);
  const idempotencyKey = flags.idempotencyKey ?? randomUUID();
  // A generated key is shown so a retry after a lost answer can reuse it and not submit twice.
  if (flags.idempotencyKey === undefined)
    output.note(`idempotency key ${idempotencyKey} (pass --idempotency-key ${idempotencyKey} to retry safely)`);
  const response = await withService(endpoint, (s) =>
    unary(
      s,
      s.client.submitJob,
      api.SubmitJobRequest.fromPartial({ spec, idempotencyKey, acceptedRateCardVersion: flags.acceptedRateCard ?? '' }),
    ),
  );
  if (output.json) return output.document(api.SubmitJobResponse.toJSON(response));
  if (response.deduplicated) output.note('an earlier submission had this idempotency key: no new job was created');
  renderJob(response.job!, output);
}

export async function quote(endpoint: EndpointOptions, output: Output, flags: SpecFlags): Promise<void> {
  const spec = await jobSpecFrom(flags);
  const response = await withService(endpoint, (s) => unary(s, s.client.quoteJob, api.QuoteJobRequest.fromPartial({ spec })));
  if (output.json) return output.document(api.QuoteJobResponse.toJSON(response));
  renderQuote(response.quote!, output);
}

export async function getJob(endpoint: EndpointOptions, output: Output, jobId: string): Promise<void> {
  const response = await withService(endpoint, (s) => unary(s, s.client.getJob, { jobId }));
  if (output.json) return output.document(api.GetJobResponse.toJSON(response));
  renderJob(response.job!, output);
}

export async function listJobs(
  endpoint: EndpointOptions,
  output: Output,
  filters: { states: api.JobState[]; tiers: api.Tier[]; pageSize: number; all: boolean },
): Promise<void> {
  await withService(endpoint, async (s) => {
    let pageToken = '';
    do {
      const page = await unary(s, s.client.listJobs, {
        states: filters.states,
        tiers: filters.tiers,
        pageSize: filters.pageSize,
        pageToken,
      });
      for (const job of page.jobs) {
        if (output.json) output.document(api.Job.toJSON(job));
        else output.line(jobLine(job));
      }
      pageToken = page.nextPageToken;
      if (!filters.all && pageToken !== '') output.note(`more jobs: --all lists every page`);
    } while (filters.all && pageToken !== '');
  });
}

export async function cancel(endpoint: EndpointOptions, output: Output, jobId: string, reason: string): Promise<void> {
  const response = await withService(endpoint, (s) => unary(s, s.client.cancelJob, { jobId, reason }));
  if (output.json) return output.document(api.CancelJobResponse.toJSON(response));
  renderJob(response.job!, output);
}

/** Streams the job's steps until it reaches a terminal state (exit 0) or the timeout (exit 0, noted). */
export async function watch(endpoint: EndpointOptions, output: Output, jobId: string, timeoutSeconds: number | undefined): Promise<number> {
  return withService(
    endpoint,
    (s) =>
      new Promise<number>((resolve, reject) => {
        const stream = s.client.watchJob({ jobId, resumeCursor: '' }, s.metadata);
        let finished = false;
        const timer =
          timeoutSeconds === undefined
            ? undefined
            : setTimeout(() => {
                finished = true;
                output.note(`stopped watching after ${timeoutSeconds}s; the job is not finished`);
                stream.cancel();
                resolve(ExitCode.OK);
              }, timeoutSeconds * 1000);
        const stop = () => {
          finished = true;
          stream.cancel();
        };
        process.once('SIGINT', stop);
        stream.on('data', (update: api.WatchJobResponse) => {
          if (output.json) output.document(api.WatchJobResponse.toJSON(update));
          else {
            const at = update.occurredAt
              ? new Date(Number(update.occurredAt.seconds) * 1000 + Math.floor(update.occurredAt.nanos / 1e6)).toISOString()
              : '-';
            output.line(`${at}  ${update.eventType.padEnd(18)} ${jobLine(update.job!)}${update.detail ? `  ${update.detail}` : ''}`);
          }
          if (update.job && TERMINAL_STATES.includes(update.job.state)) {
            clearTimeout(timer);
            stop();
            resolve(ExitCode.OK);
          }
        });
        stream.on('error', (error: ServiceError) => {
          clearTimeout(timer);
          process.off('SIGINT', stop);
          if (finished) resolve(ExitCode.OK);
          else void cliErrorOf(error, endpoint.endpoint).then(reject, reject);
        });
        stream.on('end', () => {
          clearTimeout(timer);
          process.off('SIGINT', stop);
          resolve(ExitCode.OK);
        });
      }),
  );
}
