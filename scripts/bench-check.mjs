#!/usr/bin/env node
// `npm run bench:check`: "check my implementation" (`rnn-stepper check`, dist/cli.js) end to end,
// Node and Python start-up included, as issue 11's performance rows:
//   1. the Coursera sizes, both families (no FIXTURE): target under 3 s;
//   2. the 1000-step LSTM (n_x=64 n_a=256 n_y=10 m=32, the fixture bench:ui and bench:dap use):
//      progress streamed, target under 60 s.
// Each row with the correct implementation (test/fixtures/generated/rnn_reference.py) and with a
// planted slip (the diagnosis included). Wall time and CPU time (the check and its Python child:
// the children's times of this process from /proc, Linux), with the machine's load.
// BENCH_T=200 for a shorter LSTM; BENCH_RUNS (default 5) runs of the Coursera rows, median shown.
// Run it alone: `flock /work/heavy.lock npm run bench:check` on a shared machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(REPO, 'dist', 'cli.js');
const T = Number(process.env.BENCH_T ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// The CLI's default interpreter (python3 on PATH). Its BLAS matters: the user's own functions run
// on it, ~60 GMAC for the 1000-step LSTM's four functions; Debian's python3-numpy uses the
// reference BLAS (several times slower than OpenBLAS), so say which one ran.
const PYTHON = process.env.BENCH_PYTHON ?? 'python3';
const CORRECT = join(REPO, 'test', 'fixtures', 'generated', 'rnn_reference.py');
const slip = (id) => join(REPO, 'test', 'fixtures', 'impl', `slip_${id}.py`);

if (!existsSync(CLI) || !existsSync(join(REPO, 'dist', 'check', 'harness.py'))) {
  const b = spawnSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}

/** CPU seconds of this process's waited-for children (and theirs): /proc/self/stat cutime + cstime. */
function childrenCpu() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 16 and 17 of stat(5), counted from 1; f starts at field 3
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

/** One `rnn-stepper check`: wall and CPU time, exit code, statuses, how many progress lines it streamed. */
function check(impl, fixture) {
  return new Promise((done, fail) => {
    const args = [CLI, 'check', impl, ...(fixture ? [fixture] : []), '--python', PYTHON, '--json', '--timeout', '120'];
    const cpu0 = childrenCpu();
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('error', fail);
    child.on('close', (code) => {
      const wall = (performance.now() - t0) / 1000;
      const cpu = childrenCpu() - cpu0;
      let statuses = '?';
      try {
        const r = JSON.parse(out);
        statuses = r.functions.map((f) => `${f.name}:${f.status}${f.diagnosis.length ? `(${f.diagnosis.map((d) => d.id).join(',')})` : ''}`).join(' ');
      } catch {
        statuses = `no report: ${err.trim().split('\n').slice(-2).join(' ')}`;
      }
      const progress = err.split('\n').filter((l) => l.startsWith('rnn-stepper check: ') && / \(\d+ s\)$/.test(l)).length;
      done({ wall, cpu, code, statuses, progress });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const rows = [];
function print(row, target, r) {
  const line = `${row.padEnd(44)} ${r.wall.toFixed(2).padStart(7)} s wall ${r.cpu.toFixed(2).padStart(7)} s CPU  exit ${r.code}` +
    `${r.progress ? `  ${r.progress} progress lines` : ''}  ${r.wall < target ? 'ok' : `OVER ${target} s`}`;
  console.log(line);
  console.log(`    ${r.statuses}`);
  rows.push({ row, target, ...r });
}

const np = spawnSync(PYTHON, ['-c', [
  'import sys, numpy',
  'cfg = getattr(numpy, "show_config")(mode="dicts") if numpy.__version__ >= "2" else None',
  'blas = cfg["Build Dependencies"]["blas"]["name"] if cfg else "see numpy.show_config()"',
  'print(sys.executable, "NumPy", numpy.__version__, "BLAS", blas)',
].join('\n')], { encoding: 'utf8' });
console.log(`rnn-stepper check benchmark: node ${process.version}, ${(np.stdout || PYTHON).trim()}, ${availableParallelism()} cores, load ${load()}`);
for (const [name, impl] of [['Coursera sizes, both families, correct', CORRECT], ['Coursera sizes, both families, two slips', join(REPO, 'test', 'fixtures', 'impl', 'two_slips.py')]]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await check(impl));
  const m = { ...runs[0], wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
  print(`${name} (median of ${RUNS})`, 3, m);
}

const dir = join(REPO, 'test-results', 'bench');
mkdirSync(dir, { recursive: true });
const fixture = join(dir, `check_lstm_T${T}.rnn.json`);
if (!existsSync(fixture)) {
  const args = ['new', '--kind', 'lstm', '--n-x', '64', '--n-a', '256', '--n-y', '10', '-m', '32', '-T', String(T), '--seed', '1', '-o', fixture];
  const r = spawnSync(process.execPath, [CLI, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
console.log(`fixture: LSTM n_x=64 n_a=256 n_y=10 m=32 T_x=${T}, ${(statSync(fixture).size / 1e6).toFixed(0)} MB; load ${load()}`);
print(`${T}-step LSTM, correct`, 60, await check(CORRECT, fixture));
print(`${T}-step LSTM, dc-not-carried (lstm_backward)`, 60, await check(slip('dc-not-carried'), fixture));
print(`${T}-step LSTM, gate-grad-parentheses (cell)`, 60, await check(slip('gate-grad-parentheses'), fixture));
console.log(`load at the end ${load()}`);
if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
