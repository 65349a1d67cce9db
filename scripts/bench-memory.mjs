#!/usr/bin/env node
// Memory of a run against T: the issue-13 LSTM (n_x=64 n_a=256 n_y=10 m=32) with full caches
// (run(), T=1000 only: T=10,000 would need ~7.9 GB) and checkpointed (src/engine/checkpoint.ts,
// spacing from a memory budget) at T=1000 and T=10,000. Each case runs in its own child process so
// its peak resident memory (VmHWM) is its own; x is made in the child (T=10,000: 164 MB of x).
// Also the step latency a checkpointed run costs: recomputing a window (forward window + backward
// window of a step far from the last one shown), p50/p95 over a few jumps, and the same within a window.
// Times are process CPU ms (the machine these were written on is shared: wall time there is mostly waiting).
//
// Then the reading side, as the extension host runs it (dist/worker.js driven like the host, as
// scripts/bench-host.mjs does; run `npm run build` first): the T=10,000 LSTM without da, as JSON
// (x alone is ~410 MB of text) and as .npz, loaded, run to the end and stepped, at the default
// rnnStepper.cacheMemoryMB: peak VmHWM of that process (host thread + worker + reader threads),
// the time to the 'loaded' message (read) and the whole run, CPU seconds. The fixtures are
// written by a child of their own first (its memory is not counted).
//
// usage: node scripts/bench-memory.mjs [--T 1000,10000] [--budget-mb 200] [--spacings 16,64,256] [--json]
//        [--no-read] [--read-only] [--read-T 10000] [--cache-mb N]
// Run by `npm run bench` (after the speed table) with the test host's Node 24 when it is installed.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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

if (opt('--make-fixtures', null)) {
  // ---- the read rows' fixtures: --make-fixtures BUNDLE --dir DIR --T N
  const lib = await import(pathToFileURL(opt('--make-fixtures')).href);
  const { createWriteStream } = await import('node:fs');
  const dir = opt('--dir'), T = Number(opt('--T'));
  const p = lib.randomProblem({ ...DIMS, T, seed: 1 });
  if (argv.includes('--with-da')) {
    // the panel issue's fixture: with da, as `rnn-stepper new` writes it (T=1000: ~208 MB)
    const out = createWriteStream(join(dir, 'withda.rnn.json'));
    for (const chunk of lib.fixtureChunks(p)) if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    await new Promise((r) => out.end(r));
    process.exit(0);
  }
  const json = createWriteStream(join(dir, 'noda.rnn.json'));
  // without da: as `rnn-stepper new` writes a problem whose da is defaulted (L = Σ a)
  for (const chunk of lib.fixtureChunks({ ...p, daDefaulted: true })) if (!json.write(chunk)) await new Promise((r) => json.once('drain', r));
  await new Promise((r) => json.end(r));
  const npz = createWriteStream(join(dir, 'noda.npz'));
  const zip = new lib.Zip((err, chunk) => { if (err) throw err; npz.write(chunk); });
  const arrays = { x: p.x, a0: p.a0, c0: p.c0, ...p.parameters };
  for (const [k, a] of Object.entries(arrays)) {
    const f = new lib.ZipPassThrough(`${k}.npy`);
    zip.add(f);
    f.push(lib.npyBytes(a.shape, a.data), true);
  }
  zip.end();
  await new Promise((r) => npz.end(r));
  process.exit(0);
}

if (opt('--host', null)) {
  // ---- one read row: --host FIXTURE [--cache-mb N]: the worker bundle driven like the host
  const { Worker } = await import('node:worker_threads');
  const cacheMb = opt('--cache-mb', null);
  const worker = new Worker(join(root, 'dist', 'worker.js'));
  const t0 = performance.now();
  let nextId = 1;
  const pending = new Map();
  const request = (m) => new Promise((res) => { const id = nextId++; pending.set(id, res); worker.postMessage({ ...m, id }); });
  let loadedAt, finished, loadedMsg;
  const done = new Promise((res) => (finished = res));
  const loaded = new Promise((res) => (loadedMsg = res));
  worker.on('message', (m) => {
    if (m.type === 'reply') { pending.get(m.id)?.(m); pending.delete(m.id); }
    else if (m.type === 'loaded' || m.type === 'invalid') { loadedAt = performance.now() - t0; loadedMsg(m); }
    else if (m.type === 'progress' && (m.progress.finished || m.progress.error)) finished(m);
  });
  worker.postMessage({
    type: 'load', runId: 1, path: opt('--host'), maxBytes: 512 * 1048576, gateGradLimitBytes: 64 * 1048576,
    ...(cacheMb ? { cacheMemoryMB: Number(cacheMb) } : {}),
  });
  const l = await loaded;
  if (l.type !== 'loaded') { console.log(JSON.stringify({ error: l.message })); process.exit(0); }
  process.stderr.write(`loaded in ${loadedAt.toFixed(0)} ms; VmHWM ${vmHwmMb()} MB\n`);
  worker.postMessage({ type: 'start' });
  worker.postMessage({ type: 'painted' });
  const fin = await done;
  const runMs = performance.now() - t0;
  process.stderr.write(`run finished at ${runMs.toFixed(0)} ms; VmHWM ${vmHwmMb()} MB\n`);
  const T_x = l.run.dims.T_x;
  // a few steps of each phase (windows recomputed in a checkpointed run)
  for (const [phase, t] of [['forward', T_x - 1], ['forward', T_x >> 1], ['backward', 0], ['backward', T_x >> 1]]) {
    const r = await request({ type: 'step', phase, t });
    if (r.error) { console.log(JSON.stringify({ error: `${phase} ${t}: ${r.error}` })); process.exit(0); }
  }
  const mem = await request({ type: 'memory' });
  const c = process.cpuUsage();
  console.log(JSON.stringify({
    read_ms: loadedAt, run_ms: runMs, cpu_s: (c.user + c.system) / 1e6, peak_mb: vmHwmMb(),
    worker_peak_mb: mem.peak ? mem.peak.rss / 1048576 : null, da_defaulted: l.run.daDefaulted,
    ...(fin.progress.error ? { error: fin.progress.error } : {}),
  }));
  await worker.terminate();
  process.exit(0);
}

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
if (!asJson && !argv.includes('--read-only')) {
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
const readRows = async () => {
  // The reading side (see the head): the worker bundle in a host-like process per row.
  if (!existsSync(join(root, 'dist', 'worker.js'))) {
    console.log('read rows: dist/worker.js missing (npm run build), skipped');
    return;
  }
  const T = Number(opt('--read-T', 10000));
  const lib = join(tmp, 'fixtures.mjs');
  await esbuild.build({
    stdin: {
      contents: "export { fixtureChunks } from './src/fixture/write'; export { npyBytes } from './src/fixture/npy'; export { randomProblem } from './src/engine/index'; export { Zip, ZipPassThrough } from 'fflate';",
      resolveDir: root, loader: 'ts',
    },
    bundle: true, format: 'esm', platform: 'node', target: 'es2022', outfile: lib, logLevel: 'warning',
  });
  const made = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--make-fixtures', lib, '--dir', tmp, '--T', String(T)], { encoding: 'utf8' });
  // and the T=1000 fixture with da (the "host < 500 MB at T=1000" row)
  const madeDa = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--make-fixtures', lib, '--dir', tmp, '--T', '1000', '--with-da'], { encoding: 'utf8' });
  if (madeDa.status !== 0) console.log('read rows: the T=1000 fixture with da could not be written');
  if (made.status !== 0) {
    console.log(`read rows: the fixtures could not be written: ${(made.stderr || '').trim().split('\n').slice(-2).join(' ')}`);
    return;
  }
  const cacheMb = opt('--cache-mb', null);
  const budget = cacheMb ? `${cacheMb} MB` : 'default';
  if (!asJson) {
    console.log(`\nReading and running a big fixture in a host-like process (dist/worker.js, rnnStepper.cacheMemoryMB ${budget}): VmHWM is that process's peak.`);
    console.log('The real extension host adds its own baseline (bench:ui prints it: "RSS before it") less this process\'s (~75 MB at load).');
    console.log('| case | file MB | read (loaded) ms | whole run ms | CPU s | peak VmHWM MB | under 1 GB |');
    console.log('|---|---|---|---|---|---|---|');
  }
  for (const [label, file] of [['T=1000 LSTM with da, JSON (issue: host < 500 MB)', 'withda.rnn.json'], [`T=${T.toLocaleString('en')} LSTM without da, JSON`, 'noda.rnn.json'], [`T=${T.toLocaleString('en')} LSTM without da, .npz`, 'noda.npz']]) {
    const path = join(tmp, file);
    if (!existsSync(path)) continue;
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--host', path, ...(cacheMb ? ['--cache-mb', cacheMb] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const out = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()) : { error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
    const row = { label, file_mb: statSync(path).size / 1048576, ...out };
    rows.push(row);
    if (!asJson) {
      console.log(row.error ? `| ${label} | ${f(row.file_mb)} | failed: ${row.error} | | | | |`
        : `| ${label} | ${f(row.file_mb)} | ${f(row.read_ms)} | ${f(row.run_ms)} | ${f(row.cpu_s, 1)} | ${f(row.peak_mb)} | ${row.peak_mb < 1024 ? 'yes' : 'NO'} |`);
    }
    rmSync(path, { force: true });
  }
};

try {
  if (argv.includes('--read-only')) {
    await readRows();
  } else {
  for (const T of Ts) {
    if (T <= 2000) row(`full caches, T=${T}`, ['--mode', 'full', '--T', String(T)]);
    row(`checkpointed, budget ${budget} MB, T=${T}`, ['--mode', 'ckpt', '--T', String(T), '--budget-mb', String(budget)]);
  }
  // the trade-off: spacing against the cost of a jump (T=1000)
  for (const k of spacings) row(`checkpointed, spacing ${k}, T=1000`, ['--mode', 'ckpt', '--T', '1000', '--spacing', String(k)]);
  if (!asJson) console.log('jump: forward and backward windows of a step in another window, recomputed; in-window: the next step back, cached.');
  if (!argv.includes('--no-read')) await readRows();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (asJson) console.log(JSON.stringify({ node: process.version, dims: DIMS, rows }, null, 2));
