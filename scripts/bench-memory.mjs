#!/usr/bin/env node
// Memory of a run against T: the issue-13 LSTM (n_x=64 n_a=256 n_y=10 m=32) with full caches
// (run(), T=1000 only: T=10,000 would need ~7.9 GB) and checkpointed (src/engine/checkpoint.ts,
// spacing from a memory budget) at T=1000 and T=10,000. Each case runs in its own child process so
// its peak resident memory (VmHWM) is its own; x is made in the child (T=10,000: 164 MB of x).
// Also the step latency a checkpointed run costs: recomputing a window (forward window + backward
// window of a step far from the last one shown), p50/p95 over a few jumps, and the same within a window.
// Times are process CPU ms (the machine these were written on is shared: wall time there is mostly waiting).
//
// usage: node scripts/bench-memory.mjs [--T 1000,10000] [--budget-mb 200] [--spacings 16,64,256] [--json]
// Run by `npm run bench` (after the speed table) with the test host's Node 24 when it is installed.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const DIMS = { kind: 'lstm', n_x: 64, n_a: 256, n_y: 10, m: 32 };
/** Process CPU time in ms (user + system): steadier than wall time when other jobs share the cores. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const vmHwmMb = () => {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
};

if (opt('--child', null)) {
  // ---- one case, in a fresh process: --child BUNDLE --mode full|ckpt --T N [--spacing K | --budget-mb B]
  const engine = await import(pathToFileURL(opt('--child')).href);
  const T = Number(opt('--T')), mode = opt('--mode');
  const p = engine.randomProblem({ ...DIMS, T, seed: 1 });
  const base = vmHwmMb();
  const t0 = cpuMs();
  const out = { mode, T, base_mb: base };
  if (mode === 'full') {
    engine.run(p);
    out.run_ms = cpuMs() - t0;
  } else {
    const spacing = opt('--spacing', null);
    const opts = spacing ? { spacing: Number(spacing) } : { budgetBytes: Number(opt('--budget-mb')) * 1e6 };
    const ck = engine.CheckpointedRun.run(p, opts);
    out.run_ms = cpuMs() - t0;
    out.spacing = ck.spacing;
    // a jump: the window of a step in another window (forward + backward windows recomputed)
    const jumps = [], within = [];
    for (let i = 0; i < 7; i++) {
      const t = Math.floor(((i * 0.37 + 0.11) % 1) * (T - 1));
      const s = cpuMs();
      ck.forwardWindow(t);
      ck.backwardWindow(t);
      jumps.push(cpuMs() - s);
      const u = cpuMs();
      ck.forwardWindow(Math.max(ck.forwardWindow(t).start, t - 1));
      ck.backwardWindow(Math.max(ck.backwardWindow(t).start, t - 1));
      within.push(cpuMs() - u);
    }
    const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * q))];
    out.window_p50_ms = pct(jumps, 0.5);
    out.window_p95_ms = pct(jumps, 0.95);
    out.within_p95_ms = pct(within, 0.95);
    out.held_mb = engine.checkpointedBytes(p, ck.spacing) / 1e6;
  }
  out.full_cache_mb = engine.fullCacheBytes(p) / 1e6;
  out.peak_mb = vmHwmMb();
  console.log(JSON.stringify(out));
  process.exit(0);
}

const Ts = opt('--T', '1000,10000').split(',').map(Number);
const budget = Number(opt('--budget-mb', 200));
const spacings = opt('--spacings', '16,64,256').split(',').map(Number);
const tmp = mkdtempSync(join(tmpdir(), 'rnn-bench-mem-'));
const bundle = join(tmp, 'engine.mjs');
await esbuild.build({ entryPoints: [join(root, 'src/engine/index.ts')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', outfile: bundle, logLevel: 'warning' });
const child = (args) => {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', bundle, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(r.stdout.trim().split('\n').pop());
};
const asJson = argv.includes('--json');
const head = ['case', 'run CPU ms', 'peak RSS MB', 'caches held MB', 'full caches MB', 'spacing', 'jump p50 CPU ms', 'jump p95 CPU ms', 'in-window p95 CPU ms'];
const width = [36, 10, 11, 14, 14, 7, 15, 15, 20];
const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(width[i])).join(' | ') + ' |';
const f = (v, d = 0) => (v == null ? '—' : Number(v).toFixed(d));
if (!asJson) {
  console.log(`\nMemory against T: LSTM n_x=64 n_a=256 n_y=10 m=32, node ${process.version}, one process per row (VmHWM = its peak RSS).`);
  console.log(line(head));
  console.log('|' + width.map((n) => '-'.repeat(n + 2)).join('|') + '|');
}
const rows = [];
/** Runs one case and prints its row at once (a T=10,000 row takes minutes on a busy machine). */
const row = (label, args) => {
  const r = { label, ...child(args) };
  rows.push(r);
  if (!asJson) {
    console.log(line(r.error ? [label, `failed: ${r.error}`, '', '', '', '', '', '', ''] : [label, f(r.run_ms), f(r.peak_mb),
      r.mode === 'full' ? f(r.full_cache_mb) : f(r.held_mb), f(r.full_cache_mb), r.spacing ?? '—', f(r.window_p50_ms, 1),
      f(r.window_p95_ms, 1), f(r.within_p95_ms, 2)]));
  }
};
try {
  for (const T of Ts) {
    if (T <= 2000) row(`full caches, T=${T}`, ['--mode', 'full', '--T', String(T)]);
    row(`checkpointed, budget ${budget} MB, T=${T}`, ['--mode', 'ckpt', '--T', String(T), '--budget-mb', String(budget)]);
  }
  // the trade-off: spacing against the cost of a jump (T=1000)
  for (const k of spacings) row(`checkpointed, spacing ${k}, T=1000`, ['--mode', 'ckpt', '--T', '1000', '--spacing', String(k)]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (asJson) console.log(JSON.stringify({ node: process.version, dims: DIMS, rows }, null, 2));
else console.log('jump: forward and backward windows of a step in another window, recomputed; in-window: the next step back, cached.');
