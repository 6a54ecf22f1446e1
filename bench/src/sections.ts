// Runs the benchmark's sections in order and adds their tables to the report. Per backend, one
// system: the pipeline scenarios on an empty history, the raw-log ceiling on the same log, then
// the history seeded (services stopped) and the same scenarios again. The echo ceiling runs once.
import type { BenchOptions } from './args.js';
import { ceilingTables, runEcho, runRawLog } from './ceiling/ceiling-section.js';
import type { EchoFigures } from './ceiling/echo.js';
import type { RawLogFigures } from './ceiling/raw-log.js';
import { runEngine } from './engine/engine-section.js';
import { growthTable } from './growth/growth-section.js';
import { seedHistory, waitForLiveGroups, type SeedFigures } from './growth/seed-history.js';
import {
  cpuTable,
  memoryTable,
  pipelinePlan,
  pipelineTable,
  runPipeline,
  withSystem,
  type MemoryRun,
} from './pipeline/pipeline-section.js';
import type { ScenarioResult } from './pipeline/run-scenario.js';
import type { Report } from './report.js';

export async function runSections(options: BenchOptions, report: Report, log: (m: string) => void): Promise<void> {
  if (options.only.has('engine')) runEngine(options, report, log);
  const wantsSystem = ['pipeline', 'ceiling', 'growth'].some((s) => options.only.has(s));
  if (!wantsSystem) return;
  const plan = pipelinePlan(options);
  const results: ScenarioResult[] = [];
  const grown: ScenarioResult[] = [];
  const memory: MemoryRun[] = [];
  const raw: RawLogFigures[] = [];
  const seeds: SeedFigures[] = [];
  let echo: EchoFigures[] = [];
  const growthFailures: string[] = [];
  try {
    for (const backend of options.backends) {
      await withSystem(backend, options, plan.providers, log, async (bench) => {
        // The ceiling and growth compare against the empty-history scenarios: they always run.
        const run = await runPipeline(plan, 'empty', log, bench);
        results.push(...run.results);
        memory.push({ backend, history: 'empty', memoryMiB: run.memoryMiB });
        if (options.only.has('ceiling')) raw.push(...(await runRawLog(bench.system, run.results, run.samples, options.smoke, log)));
        if (options.only.has('growth')) {
          let seeded: SeedFigures | undefined;
          // The services finish what the empty-history run left them (payout, metering) before they stop.
          const behind = await waitForLiveGroups(bench.system, 60_000);
          if (behind.length > 0) log(`growth: still behind after 60 s, seeding anyway: ${behind.join(', ')}`);
          await bench.restart(async () => {
            // A seeding failure is reported and the run goes on (the other backend, the echo): the empty-history figures stand.
            seeded = await seedHistory(bench.system, options.historyJobs, options.smoke ? 30_000 : 120_000, log).catch((error: unknown) => {
              const message = error instanceof Error ? error.message : String(error);
              log(`growth: seeding failed on the ${backend} log: ${message}`);
              growthFailures.push(`${backend}: ${message}`);
              return undefined;
            });
          });
          if (seeded === undefined) return;
          seeds.push(seeded);
          const label = `${seeded.jobs.toLocaleString('en-US')} jobs`;
          const again = await runPipeline(plan, label, log, bench, false);
          grown.push(...again.results);
          memory.push({ backend, history: label, memoryMiB: again.memoryMiB });
        }
      });
    }
    if (options.only.has('ceiling')) echo = await runEcho(results, Math.min(plan.scenarios[0]?.durationMs ?? 3_000, 5_000), log);
  } finally {
    // Whatever was measured before a failure is still reported.
    report.sections.pipeline = { plan, results, memory };
    report.sections.ceiling = { raw, echo };
    report.sections.growth = { seeds, results: grown, failures: growthFailures };
    if (growthFailures.length > 0) process.exitCode = 1;
    const note = `Fleet of ${plan.providers} providers (l4-24g, 8–16 GPUs each, 20 operators); one-GPU jobs; each load runs ${plan.scenarios[0]?.durationMs ?? 0} ms.`;
    pipelineTable(report, [...results, ...grown], 'Pipeline: SubmitJob → JobPlaced, open loop', note);
    if (raw.length > 0 || echo.length > 0) ceilingTables(report, results, raw, echo);
    if (grown.length > 0) growthTable(report, results, grown, seeds);
    cpuTable(report, [...results, ...grown]);
    memoryTable(report, memory);
  }
}
