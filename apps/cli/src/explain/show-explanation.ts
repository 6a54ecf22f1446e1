import { notFound } from '../cli-error.js';
import type { LogSession } from '../command-context.js';
import { readJobHistory } from '../log/job-history.js';
import { explainJob } from './job-explanation.js';
import { explanationJson, renderExplanation } from './render-explanation.js';

export async function showExplanation({ log, topics, output }: LogSession, jobId: string): Promise<void> {
  const history = await readJobHistory(log, topics, jobId, ['jobs']);
  if (history.missingTopics.includes(topics.names.jobs)) {
    throw notFound(`topic ${topics.names.jobs} does not exist (is --topic-prefix "${topics.prefix}" right?)`);
  }
  const explanation = explainJob(jobId, history.events);
  if (explanation.lastEvent === '') throw notFound(`job ${jobId} not found in ${topics.names.jobs}`);
  if (output.json) output.document(explanationJson(explanation));
  else renderExplanation(explanation, output);
}
