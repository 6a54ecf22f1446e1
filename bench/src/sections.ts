// Runs the benchmark's sections in order and adds their tables to the report.
import type { BenchOptions } from './args.js';
import { cpuTable, memoryTable, pipelinePlan, pipelineTable, runPipeline, withSystem } from './pipeline/pipeline-section.js';
import type { ScenarioResult } from './pipeline/run-scenario.js';
import type { Report } from './report.js';
import { runEngine } from './engine/engine-section.js';

export async function runSections(options: BenchOptions, report: Report, log: (m: string) => void): Promise<void> {
  if (options.only.has('engine')) runEngine(options, report, log);
  if (options.only.has('pipeline')) {
    const plan = pipelinePlan(options);
    const results: ScenarioResult[] = [];
    const memory: { backend: string; memoryMiB: Record<string, number> }[] = [];
    for (const backend of options.backends) {
      const run = await withSystem(backend, options, plan.providers, log, (system, processes) => runPipeline(plan, 'empty', log, system, processes));
      results.push(...run.results);
      memory.push({ backend, memoryMiB: run.memoryMiB });
    }
    report.sections.pipeline = { plan, results, memory };
    pipelineTable(report, results, 'Pipeline: SubmitJob → JobPlaced, open loop', `Fleet of ${plan.providers} providers (l4-24g, 8–16 GPUs each, 20 operators); one-GPU jobs; each load runs ${plan.scenarios[0]?.durationMs ?? 0} ms.`);
    cpuTable(report, results);
    memoryTable(report, memory);
  }
}
