import type { LogSession } from '../command-context.js';
import { startProgress } from '../progress.js';
import { providerRows, rebuildRegistry } from './provider-registry-view.js';

export async function listProviders({ log, topics, output }: LogSession, options: { status?: string[] }): Promise<void> {
  const progress = startProgress(output, 'reading providers and jobs', 0);
  const registry = await rebuildRegistry(log, topics, progress, output).finally(() => progress.stop());
  const wanted = new Set((options.status ?? []).map((s) => s.toUpperCase()));
  const rows = providerRows(registry).filter((r) => wanted.size === 0 || wanted.has(r.status));
  if (output.json) {
    for (const row of rows) output.document(row);
    return;
  }
  const c = output.colors;
  output.line(
    c.bold(
      `${'provider'.padEnd(18)} ${'operator'.padEnd(10)} ${'region'.padEnd(11)} ${'status'.padEnd(7)} ${'health'.padEnd(9)} ${'gpus'.padEnd(16)} ${'free'.padEnd(12)} ${'price/GPU-h'.padStart(11)} ${'latency'.padStart(7)} ${'reput.'.padStart(6)}  done/failed/lost`,
    ),
  );
  for (const r of rows) {
    const line = `${r.providerId.padEnd(18)} ${r.operatorId.padEnd(10)} ${r.region.padEnd(11)} ${r.status.padEnd(7)} ${r.health.padEnd(9)} ${r.gpus.padEnd(16)} ${r.freeGpus.padEnd(12)} ${r.pricePerGpuHour.padStart(11)} ${`${r.advertisedLatencyMs}ms`.padStart(7)} ${String(r.reputationBp).padStart(6)}  ${r.completions}/${r.failures}/${r.losses}`;
    output.line(r.status === 'ACTIVE' ? line : c.dim(line));
  }
}
