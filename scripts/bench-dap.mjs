#!/usr/bin/env node
// `npm run bench:dap`: the debug adapter (`rnn-stepper dap`, dist/cli.js) on issue 12's 1000-step
// LSTM (n_x=64 n_a=256 n_y=10 m=32, the fixture bench:ui uses), through a DAP client:
//   launch → first stop (stopOnEntry),
//   a step with the Variables view open (next → stopped → stackTrace → scopes → the Step scope's
//   variables → the rows of a_next), forward and backward steps,
//   evaluate `norm(da_next)` at a backward step (Watch).
// Prints the three rows (with their goals), then the details: medians, the adapter's CPU
// time (the `rnn-stepper dap` process and its threads: the run worker, the expression thread), how
// far the run was computed before and after each part (custom request `rnnRunState`: was the run
// still computing while the steps were taken?), the same steps once the run has finished (the
// adapter's own cost, without the run competing for the cores), and the machine's load at the
// start and the end. BENCH_T=200 for a shorter run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { DebugClient } = require('@vscode/debugadapter-testsupport');
const T = Number(process.env.BENCH_T ?? 1000);
const STEPS = Number(process.env.BENCH_STEPS ?? 60);

if (!existsSync(join(REPO, 'dist', 'cli.js')) || !existsSync(join(REPO, 'dist', 'evalWorker.js'))) {
  const b = spawnSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
const dir = join(REPO, 'test-results', 'bench');
mkdirSync(dir, { recursive: true });
const fixture = join(dir, `dap_lstm_T${T}.rnn.json`);
if (!existsSync(fixture)) {
  const args = ['new', '--kind', 'lstm', '--n-x', '64', '--n-a', '256', '--n-y', '10', '-m', '32', '-T', String(T), '--seed', '1', '-o', fixture];
  const r = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
console.log(`fixture: LSTM n_x=64 n_a=256 n_y=10 m=32 T_x=${T}, ${(statSync(fixture).size / 1e6).toFixed(0)} MB`);

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const fmt = (xs) => `median ${q(xs, 0.5).toFixed(1)} ms, p95 ${q(xs, 0.95).toFixed(1)} ms (n=${xs.length})`;

/** CPU time (ms, user + system, all threads) of this process's descendants: the adapter. */
function adapterCpuMs() {
  const procs = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // Fields after the command name: state ppid … utime(14) stime(15), counted from 1.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of procs) {
      if (mine.has(pid) || !mine.has(p.ppid)) continue;
      mine.add(pid);
      grew = true;
    }
  }
  let ticks = 0;
  for (const pid of mine) if (pid !== process.pid) ticks += procs.get(pid)?.ticks ?? 0;
  return ticks * 10; // USER_HZ = 100 on Linux
}
const cpuSince = (c0) => `${(adapterCpuMs() - c0).toFixed(0)} ms CPU`;
const load1 = () => loadavg()[0].toFixed(2);

/** How far the run is computed, as one short text (`forward 75/1000`, `backward 100/1000`, `finished`). */
async function runState(dc) {
  const s = (await dc.customRequest('rnnRunState')).body;
  if (!s.finished) return s.forwardDone < s.T_x ? `forward ${s.forwardDone}/${s.T_x}` : `backward ${s.backwardDone}/${s.T_b}`;
  return s.sumsComplete ? 'finished' : 'finished (running sums still being built)';
}
const computing = (before, after) => `run ${before} → ${after}${before.startsWith('finished (') || !before.startsWith('finished') ? ' (computing meanwhile)' : ' (idle)'}`;

/** One session: `extra` goes into the launch arguments (the cache budget). */
async function measure(label, extra) {
  const dc = new DebugClient(process.execPath, join(REPO, 'test', 'unit', 'dap', 'rnn-stepper-dap.cjs'), 'rnn');
  dc.defaultTimeout = 120_000;
  await dc.start();
  try {
    console.log(`\n${label}`);
    const loadStart = load1();
    const initialized = dc.waitForEvent('initialized');
    await dc.initializeRequest({ adapterID: 'rnn', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true, supportsVariablePaging: true });
    await initialized;
    await dc.configurationDoneRequest();
    let t0 = performance.now();
    const cpu0 = adapterCpuMs();
    const first = dc.waitForEvent('stopped');
    await dc.launchRequest({ fixture, stopOnEntry: true, ...extra });
    await first;
    const launchMs = performance.now() - t0;
    const launchCpu = cpuSince(cpu0);

    /** Where a step's time went: the move to its stopped event, stackTrace + scopes, the Variables requests. */
    const parts = { stop: [], frame: [], variables: [] };
    /** One step as VS Code does it with the Variables view open. */
    async function stepWithVariables(move) {
      const t = performance.now();
      const stopped = dc.waitForEvent('stopped');
      await move();
      await stopped;
      const t1 = performance.now();
      const st = await dc.stackTraceRequest({ threadId: 1 });
      const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
      const t2 = performance.now();
      const vars = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
      const big = vars.body.variables.find((v) => v.variablesReference > 0 && v.indexedVariables > 0);
      if (big) await dc.variablesRequest({ variablesReference: big.variablesReference, filter: 'indexed', start: 0, count: 100 });
      const t3 = performance.now();
      parts.stop.push(t1 - t);
      parts.frame.push(t2 - t1);
      parts.variables.push(t3 - t2);
      return t3 - t;
    }
    // Let the run compute so steps measure the adapter, not the engine catching up.
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const forward = [];
    let c0 = adapterCpuMs();
    let before = await runState(dc);
    for (let i = 0; i < STEPS; i++) forward.push(await stepWithVariables(() => dc.nextRequest({ threadId: 1 })));
    const forwardCpu = cpuSince(c0);
    const forwardRun = computing(before, await runState(dc));
    t0 = performance.now();
    await stepWithVariables(() => dc.customRequest('rnnGoTo', { phase: 'backward', t: T - 1 }));
    const toBackwardMs = performance.now() - t0;
    const backward = [];
    c0 = adapterCpuMs();
    before = await runState(dc);
    for (let i = 0; i < STEPS; i++) backward.push(await stepWithVariables(() => dc.nextRequest({ threadId: 1 })));
    const backwardCpu = cpuSince(c0);
    const backwardRun = computing(before, await runState(dc));
    /** `norm(da_next)` in the Watch view, 40 times at the current stop. */
    async function evaluations() {
      const out = [];
      const st = await dc.stackTraceRequest({ threadId: 1 });
      for (let i = 0; i < 40; i++) {
        const t = performance.now();
        await dc.evaluateRequest({ expression: 'norm(da_next)', frameId: st.body.stackFrames[0].id, context: 'watch' });
        out.push(performance.now() - t);
      }
      return out;
    }
    c0 = adapterCpuMs();
    before = await runState(dc);
    const evals = await evaluations();
    const evalCpu = cpuSince(c0);
    const evalRun = computing(before, await runState(dc));
    const [l1, l5] = loadavg();
    const partsDuring = { ...parts };

    // The same, once the run (and its running sums) is complete: the adapter's own cost.
    const idleFrom = performance.now();
    while ((await runState(dc)) !== 'finished') await new Promise((r) => setTimeout(r, 100));
    const waitedMs = performance.now() - idleFrom;
    const idle = { forward: [], backward: [] };
    for (const k of Object.keys(parts)) parts[k] = [];
    await stepWithVariables(() => dc.customRequest('rnnGoTo', { phase: 'forward', t: Math.floor(T / 2) }));
    for (let i = 0; i < STEPS / 2; i++) idle.forward.push(await stepWithVariables(() => dc.nextRequest({ threadId: 1 })));
    await stepWithVariables(() => dc.customRequest('rnnGoTo', { phase: 'backward', t: Math.floor(T / 2) }));
    for (let i = 0; i < STEPS / 2; i++) idle.backward.push(await stepWithVariables(() => dc.nextRequest({ threadId: 1 })));
    const idleEvals = await evaluations();
    const steps = [...forward, ...backward];
    const p95 = (xs) => q(xs, 0.95).toFixed(1);
    console.log(`launch to first stop: ${launchMs.toFixed(0)} ms (goal < 1500 ms)`);
    console.log(`step with the Variables view open: p95 ${p95(steps)} ms (goal < 50 ms)`);
    console.log(`evaluate norm(da_next): p95 ${p95(evals)} ms (goal < 20 ms)`);
    console.log('details:');
    console.log(`  launch: ${launchCpu} in the adapter`);
    console.log(`  steps forward: ${fmt(forward)}, ${forwardCpu}; ${forwardRun}`);
    console.log(`  go to the first backward step (waits for the forward pass and one backward step): ${toBackwardMs.toFixed(0)} ms`);
    console.log(`  steps backward: ${fmt(backward)}, ${backwardCpu}; ${backwardRun}`);
    console.log(`  evaluate: ${fmt(evals)}, ${evalCpu}; ${evalRun}`);
    // (the Variables requests wait for the run worker when a stop's tensors were not fetched ahead)
    console.log(`  a step's parts: move → stopped ${fmt(partsDuring.stop)}; stackTrace + scopes ${fmt(partsDuring.frame)}; Variables ${fmt(partsDuring.variables)}`);
    console.log(`  once the run had finished (${(waitedMs / 1000).toFixed(1)} s later): steps forward ${fmt(idle.forward)}; backward ${fmt(idle.backward)}; evaluate ${fmt(idleEvals)}`);
    console.log(`    a step's parts: move → stopped ${fmt(parts.stop)}; stackTrace + scopes ${fmt(parts.frame)}; Variables ${fmt(parts.variables)}`);
    console.log(`  load average (1 min): ${loadStart} at the start, ${l1.toFixed(2)} after the evaluations (5 min: ${l5.toFixed(2)}), ${load1()} at the end; ${availableParallelism()} cores`);
  } finally {
    await dc.stop();
}
}

// The default budget of the setting rnnStepper.cacheMemoryMB (1024 MB: every step's caches kept,
// what the figures assume), then 200 MB (this run is then checkpointed and steps are
// recomputed from checkpoints on request, see src/worker/checkpointedRun.ts).
await measure('default cacheMemoryMB (1024 MB; every step kept):', {});
await measure('cacheMemoryMB 200 (this run is checkpointed):', { cacheMemoryMB: 200 });
