import { events } from '@switchyard/contracts';
import type { Output } from '../terminal.js';
import { bytesLabel, type FactorComparison, type JobExplanation } from './job-explanation.js';
import { kindLabel, tierLabel, tokens } from '../labels.js';
import { faultSummary } from './fault-summary.js';

const score = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(4));
const reason = (r: events.RejectionReason) => String(r).replace('REJECTION_REASON_', '');

export function renderExplanation(explanation: JobExplanation, output: Output): void {
  const c = output.colors;
  const { submitted, classified } = explanation;
  output.line(
    c.bold(`job ${explanation.jobId}`) +
      (submitted ? `  tenant ${submitted.tenantId}${submitted.tenantPlan ? ` (${submitted.tenantPlan})` : ''}` : '') +
      `  last event ${explanation.lastEvent}`,
  );
  if (submitted?.spec) {
    const s = submitted.spec;
    output.line(
      `  spec: ${kindLabel(s.kind)} ${s.gpuCount}x${s.gpuClass} >=${s.minVramGib}GiB` +
        (s.maxLatencyMs ? ` max_latency=${s.maxLatencyMs}ms` : '') +
        (s.allowedRegions.length ? ` regions=${s.allowedRegions.join(',')}` : '') +
        (s.dataResidency ? ` residency=${s.dataResidency}` : '') +
        (s.maxPriceBaseUnits !== '0' ? ` max_price=${tokens(s.maxPriceBaseUnits)}` : '') +
        ` est=${s.estimatedDurationSeconds}s`,
    );
  }
  output.line();
  output.line(c.bold('Why this tier'));
  if (classified === undefined) {
    output.line('  not classified yet (no JobClassified)');
  } else {
    output.line(`  ${tierLabel(classified.tier)} by rule ${c.cyan(classified.matchedRuleId)} of tier policy ${classified.policyVersion}`);
    for (const line of classified.reasons) output.line(`    - ${line}`);
  }
  output.line();
  output.line(c.bold('Why this provider'));
  if (explanation.steps.length === 0) output.line('  no placement decision yet');
  for (const step of explanation.steps) {
    if (step.kind === 'requeued') {
      const r = step.requeued;
      output.line(
        `  ${c.dim(step.at)} attempt ${r.attempt}: requeued (${String(r.reason).replace('REQUEUE_REASON_', '')}) from ${r.previousProviderId}; excluded: ${r.excludedProviderIds.join(', ') || 'none'}`,
      );
      const fault = faultSummary(r.fault);
      if (fault !== '') output.line(`    fault ${fault}${r.message ? ` (${r.message})` : ''}`);
      continue;
    }
    if (step.kind === 'relaxed') {
      const r = step.relaxed;
      output.line(`  ${c.dim(step.at)} attempt ${r.attempt}: exclusion of ${r.relaxedProviderIds.join(', ')} relaxed: ${r.reason}`);
      continue;
    }
    if (step.kind === 'failed') {
      const f = step.failed;
      output.line(
        `  ${c.dim(step.at)} attempt ${f.attempt}: ${c.red('FAILED')}${f.providerId ? ` on ${f.providerId}` : ''} (${String(f.category).replace('FAILURE_CATEGORY_', '')}, reported by ${String(f.source).replace('FAILURE_SOURCE_', '').toLowerCase()}): ${f.message}`,
      );
      const fault = faultSummary(f.fault);
      if (fault !== '') output.line(`    fault ${fault}`);
      continue;
    }
    if (step.kind === 'queued') {
      const q = step.queued;
      output.line(
        `  ${c.dim(step.at)} attempt ${q.attempt}: ${c.yellow('QUEUED')} (placement policy ${q.policyVersion}): no provider passed the filter`,
      );
      for (const line of q.reasons) output.line(`    - ${line}`);
      if (q.rejections.length) output.line(`    rejections: ${q.rejections.map((x) => `${reason(x.reason)} ${x.count}`).join(', ')}`);
      continue;
    }
    const { placed, runnerUp } = step;
    const d = placed.decision;
    output.line(
      `  ${c.dim(step.at)} attempt ${placed.attempt}: placed on ${c.green(placed.providerId)} (operator ${placed.operatorId}) score ${score(d?.chosenScore?.total)}`,
    );
    const members = placed.gangMembers ?? [];
    if (members.length > 0)
      output.line(
        `    gang of ${members.length} providers, led by the chosen one: ${members.map((m) => `${m.providerId} ${m.gpuCount} GPUs`).join(', ')}`,
      );
    if (d === undefined) continue;
    output.line(
      `    placement policy ${d.policyVersion}, tier ${tierLabel(d.tier)}, ${d.candidatesTotal} candidate(s) passed the filter${d.candidates.length < d.candidatesTotal ? ` (best ${d.candidates.length} recorded)` : ''}`,
    );
    output.line(`    rejections: ${d.rejections.length ? d.rejections.map((x) => `${reason(x.reason)} ${x.count}`).join(', ') : 'none'}`);
    if (d.excludedProviderIds.length) output.line(`    excluded (earlier attempts): ${d.excludedProviderIds.join(', ')}`);
    const withInputs = BigInt(d.inputBytes || '0') > 0n;
    if (withInputs)
      output.line(
        `    inputs: ${bytesLabel(d.inputBytes)} in all; "fetch" is what each candidate lacks, its time at the candidate's bandwidth and price at its transfer rate`,
      );
    output.line(
      `    ${'candidate'.padEnd(18)} ${'operator'.padEnd(12)} ${'region'.padEnd(12)} ${'latency'.padStart(8)} ${'reput.'.padStart(6)} ${'tokens/GPU-h'.padStart(12)} ${'share'.padStart(6)} ${'free'.padStart(4)}${withInputs ? `  ${'fetch'.padStart(9)} ${'time'.padStart(8)} ${'tokens'.padStart(10)}` : ''}  score (latency + reputation + price + share${withInputs ? ' + transfer time + transfer price' : ''})`,
    );
    for (const candidate of d.candidates) {
      const f = candidate.factors;
      const terms = (candidate.score?.terms ?? []).map((t) => t.contribution.toFixed(4)).join(' + ');
      const row =
        `    ${candidate.providerId.padEnd(18)} ${candidate.operatorId.padEnd(12)} ${(f?.region ?? '').padEnd(12)} ${`${f?.advertisedLatencyMs ?? 0}ms`.padStart(8)} ` +
        `${String(f?.reputationBp ?? 0).padStart(6)} ${tokens(f?.pricePerGpuHourBaseUnits ?? '0')
          .replace(/ tokens?$/, '')
          .padStart(12)} ${String(f?.operatorShareBp ?? 0).padStart(6)} ${String(f?.freeGpus ?? 0).padStart(4)}` +
        (withInputs
          ? `  ${bytesLabel(f?.fetchBytes).padStart(9)} ${`${(Number(f?.fetchMs || '0') / 1000).toFixed(1)}s`.padStart(8)} ${tokens(
              f?.transferPriceBaseUnits || '0',
            )
              .replace(/ tokens?$/, '')
              .padStart(10)}`
          : '') +
        `  ${score(candidate.score?.total)} = ${terms}`;
      output.line(candidate.providerId === d.chosenProviderId ? c.green(row) : row);
    }
    if (runnerUp === undefined) {
      output.line('    no runner-up: it was the only candidate');
      continue;
    }
    output.line(`    runner-up ${runnerUp.providerId} (operator ${runnerUp.operatorId}) scored ${score(runnerUp.gap)} less`);
    for (const f of runnerUp.lacked) output.line(`      lacked ${describe(f)}`);
    for (const f of runnerUp.ahead) output.line(`      was ahead on ${describe(f)}`);
  }
}

function describe(f: FactorComparison): string {
  const delta = f.chosenContribution - f.runnerUpContribution;
  return `${f.factor}: ${f.runnerUpValue} vs ${f.chosenValue} (${delta >= 0 ? '-' : '+'}${Math.abs(delta).toFixed(4)})`;
}

/** The explanation as protobuf-JSON-friendly data for --json. */
export function explanationJson(explanation: JobExplanation): unknown {
  return {
    jobId: explanation.jobId,
    lastEvent: explanation.lastEvent,
    submitted: explanation.submitted ? events.JobSubmitted.toJSON(explanation.submitted) : null,
    classification: explanation.classified ? events.JobClassified.toJSON(explanation.classified) : null,
    attempts: explanation.steps.map((step) => {
      switch (step.kind) {
        case 'placed':
          return {
            kind: step.kind,
            at: step.at,
            attempt: step.attempt,
            jobPlaced: events.JobPlaced.toJSON(step.placed),
            runnerUp: step.runnerUp ?? null,
          };
        case 'queued':
          return { kind: step.kind, at: step.at, attempt: step.attempt, jobQueued: events.JobQueued.toJSON(step.queued) };
        case 'requeued':
          return { kind: step.kind, at: step.at, attempt: step.attempt, jobRequeued: events.JobRequeued.toJSON(step.requeued) };
        case 'relaxed':
          return {
            kind: step.kind,
            at: step.at,
            attempt: step.attempt,
            jobExclusionRelaxed: events.JobExclusionRelaxed.toJSON(step.relaxed),
          };
        case 'failed':
          return { kind: step.kind, at: step.at, attempt: step.attempt, jobFailed: events.JobFailed.toJSON(step.failed) };
      }
    }),
  };
}
