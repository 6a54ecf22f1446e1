#!/usr/bin/env node
// Summarises V8 CPU profiles (`node --cpu-prof`): self time by function and by package, so the
// before/after tables in docs/performance.md are made the same way every time.
// usage: node bench/dist/profile-summary.js <file.cpuprofile>... [--top N]
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  readonly idleMs: number;
  readonly byFunction: { name: string; ms: number; share: number }[];
  readonly byPackage: { name: string; ms: number; share: number }[];
  /** Each sample charged to the nearest Switchyard frame on its stack (libraries and I/O it called included). */
  readonly byOwnCode: { name: string; ms: number; share: number }[];
}

/** Where a frame's code lives: a workspace package, an npm package, node internals, or (idle/gc). */
function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const match = /\/(services|libs|apps)\/([^/]+)\//.exec(url);
  return match ? `@switchyard/${match[2]}` : path.basename(url);
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const own = new Map<string, number>();
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    const p = packageOf(url, functionName);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
    let at: number | undefined = id;
    while (at !== undefined && !packageOf(byId.get(at)!.callFrame.url, '').startsWith('@switchyard/')) at = parent.get(at);
    const frame = at === undefined ? undefined : byId.get(at)!.callFrame;
    const ownName = frame
      ? `${frame.functionName || '(anonymous)'} ${path.basename(frame.url)}:${frame.lineNumber + 1}`
      : '(outside Switchyard code: startup, timers, library callbacks)';
    own.set(ownName, (own.get(ownName) ?? 0) + us);
  }
  const busy = Math.max(1, total - idle);
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return {
    file: path.basename(file),
    totalMs: total / 1000,
    idleMs: idle / 1000,
    byFunction: rank(fn),
    byPackage: rank(pkg),
    byOwnCode: rank(own),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 15;
  const files = args.filter((a, i) => a !== '--top' && i !== topAt + 1);
  for (const file of files) {
    const s = summariseProfile(file, top);
    console.log(`\n${s.file}: ${(s.totalMs / 1000).toFixed(1)} s profiled, ${((1 - s.idleMs / s.totalMs) * 100).toFixed(0)} % busy`);
    console.log('  by package (share of busy time):');
    for (const p of s.byPackage.slice(0, 8)) console.log(`    ${(p.share * 100).toFixed(1).padStart(5)} %  ${p.name}`);
    console.log('  by nearest Switchyard frame (time in the libraries and I/O it called included):');
    for (const f of s.byOwnCode) console.log(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
    console.log('  by function (self time):');
    for (const f of s.byFunction) console.log(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
  }
}
