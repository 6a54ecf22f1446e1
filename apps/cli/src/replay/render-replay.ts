import type { Output } from '../terminal.js';
import type { VerifyReport } from './verify-decisions.js';
import type { WhatIfReport } from './what-if.js';
import { tierLabel, tokens } from '../labels.js';

const percent = (part: number, whole: number) => (whole === 0 ? '100.00%' : `${((part * 100) / whole).toFixed(2)}%`);
const signed = (n: number | string) => (typeof n === 'string' ? (n.startsWith('-') ? n : `+${n}`) : n >= 0 ? `+${n}` : String(n));
/** A signed amount of base units in tokens: `+4.5 tokens`. */
const signedTokens = (baseUnits: string) => (baseUnits.startsWith('-') ? tokens(baseUnits) : `+${tokens(baseUnits)}`);

export function renderVerify(report: VerifyReport, window: string, output: Output): void {
  const c = output.colors;
  const { classifications: k, placements: p, failures: f } = report;
  const all = k.total + p.total + f.total;
  const reproduced = k.reproduced + p.reproduced + f.reproduced;
  output.line(`replay verify ${window}: ${report.eventsRead} events read`);
  output.line(`  classifications: ${k.reproduced}/${k.total} reproduced (${percent(k.reproduced, k.total)})`);
  output.line(`  placements:      ${p.reproduced}/${p.total} reproduced (${percent(p.reproduced, p.total)})`);
  output.line(
    `  failures:        ${f.reproduced}/${f.total} requeues and failures follow the fault table (${percent(f.reproduced, f.total)})`,
  );
  if (report.queuedNotRescored > 0)
    output.line(`  queued decisions: ${report.queuedNotRescored} (record rejection counts, not candidates; not re-scored)`);
  const verdict = `  total: ${reproduced}/${all} decisions reproduced exactly (${percent(reproduced, all)})`;
  output.line(report.mismatches.length === 0 ? c.green(verdict) : c.red(verdict));
  for (const m of report.mismatches) {
    output.line(
      `  ${c.red('NOT REPRODUCED')} ${m.decision} of ${m.jobId}${m.attempt === undefined ? '' : ` attempt ${m.attempt}`} (policy ${m.policyVersion})`,
    );
    for (const d of m.differences) output.line(`    - ${d}`);
  }
}

export function renderWhatIf(report: WhatIfReport, window: string, output: Output): void {
  const c = output.colors;
  output.line(`replay what-if ${window}`);
  output.line(
    `  tier policy: ${report.tierPolicy ?? 'as recorded'}; placement policy: ${report.placementPolicy ?? 'as recorded'}; rate card: ${report.rateCard ?? 'shipped'}`,
  );
  output.line(`  ${report.classifications} classifications, ${report.placements} placements re-run`);
  output.line();
  output.line(
    c.bold(
      `  ${'tier'.padEnd(14)} ${'classified'.padStart(10)} ${'tier moves'.padStart(10)} ${'placed'.padStart(8)} ${'provider moves'.padStart(14)} ${'ask delta'.padStart(18)} ${'latency delta'.padStart(14)} ${'share delta'.padStart(12)} ${'priced'.padStart(7)} ${'tenant price delta'.padStart(22)}`,
    ),
  );
  for (const [tier, t] of Object.entries(report.byTier)) {
    const row = `  ${(tier === 'total' ? tier : tierLabel(tier)).padEnd(14)} ${String(t.classifications).padStart(10)} ${String(t.tierChanges).padStart(10)} ${String(t.placements).padStart(8)} ${String(t.providerChanges).padStart(14)} ${signedTokens(String(t.priceDelta)).padStart(18)} ${`${signed(t.latencyDeltaMs)}ms`.padStart(14)} ${`${signed(t.operatorShareDeltaBp)}bp`.padStart(12)} ${String(t.tenantPriceChanges).padStart(7)} ${signedTokens(String(t.tenantPriceDelta)).padStart(22)}`;
    output.line(tier === 'total' ? c.bold(row) : row);
  }
  output.line("  ask, latency, share: new minus recorded, summed over the moved placements (ask = provider's worst-case price of the run)");
  output.line('  priced, tenant price: jobs whose worst-case rate-card quote changes (new tier, new card) and the summed change');
  if (report.tierChanges.length > 0) {
    output.line();
    output.line(c.bold(`  tier changes (${report.tierChanges.length})`));
    for (const t of report.tierChanges)
      output.line(`    ${t.jobId}: ${tierLabel(t.from)} (${t.fromRule}) -> ${tierLabel(t.to)} (${t.toRule})`);
  }
  if (report.providerChanges.length > 0) {
    output.line();
    output.line(c.bold(`  provider changes (${report.providerChanges.length})`));
    for (const p of report.providerChanges) {
      const tier = p.newTier === p.tier ? tierLabel(p.tier) : `${tierLabel(p.tier)} -> ${tierLabel(p.newTier)}`;
      output.line(
        `    ${p.jobId} attempt ${p.attempt} [${tier}]: ${p.from} -> ${p.to}  ask ${signedTokens(String(p.priceDelta))}  latency ${signed(p.latencyDeltaMs)}ms  share ${signed(p.operatorShareDeltaBp)}bp`,
      );
    }
  }
  if (report.skipped.length > 0) {
    output.line();
    output.line(c.yellow(`  not re-run (${report.skipped.length})`));
    for (const s of report.skipped) output.line(`    ${s.jobId}${s.attempt === undefined ? '' : ` attempt ${s.attempt}`}: ${s.reason}`);
  }
}
