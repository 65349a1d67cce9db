#!/usr/bin/env node
// Host-side streaming benchmark: drives dist/worker.js exactly as the extension host does
// (load → start → step requests while the run fills) and prints time to the first step payload,
// when da's numbers were read (staged load: the forward starts before them),
// time to the end of the run, and the peak RSS of the process (host thread + worker; the figure
// the extension host would add). Usage: node scripts/bench-host.mjs FIXTURE [--export OUT]
// Make the issue-4 fixture with:
//   node dist/cli.js new --kind lstm --n-x 64 --n-a 256 --n-y 10 -m 32 -T 1000 -o big.rnn.json
// Big fixtures load in stages: 'parsed' is when everything but da's numbers is read and checked
// (the run starts then); 'da read' is when da's numbers arrived (the backward waits for them).
// Timings on a shared machine are noisy.
// Then, on the finished run: stepping back (forward steps T-1 down, one request at a time with 20 ms
// between them, as a held Shift+F10), jumps of ±10 steps (forward and backward), and a backward window not held — the
// reply times of a checkpointed run (--cache-mb N: rnnStepper.cacheMemoryMB, default the
// worker's default) — and the process's VmHWM and CPU time.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

const fixture = process.argv[2];
if (!fixture) {
  console.error('usage: node scripts/bench-host.mjs FIXTURE [--export OUT]');
  process.exit(2);
}
const argOf = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const exportPath = argOf('--export');
const cacheMb = argOf('--cache-mb');
const worker = new Worker(join(import.meta.dirname, '..', 'dist', 'worker.js'));
const t0 = performance.now();
const ms = () => (performance.now() - t0).toFixed(0);
let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const sampler = setInterval(sample, 20);

let nextId = 1;
const pending = new Map();
const request = (m) => new Promise((res) => { const id = nextId++; pending.set(id, res); worker.postMessage({ ...m, id }); });
let loadedRes, finishedRes;
const loaded = new Promise((r) => (loadedRes = r));
const finished = new Promise((r) => (finishedRes = r));
let progressCount = 0;
let daLine;
let forwardDoneAt;
/** When the running sums' checkpoints were built (after the run; a backward step far from them has no sums before). */
let sumsAt;
worker.on('message', (m) => {
  if (m.type === 'reply') { pending.get(m.id)?.(m); pending.delete(m.id); }
  else if (m.type === 'daLoaded' || m.type === 'daInvalid') {
    // staged load: da's numbers were read while the forward ran
    daLine = `da read (staged):         ${ms()} ms${m.type === 'daInvalid' ? ' INVALID ' + m.message : ''}`;
  }
  else if (m.type === 'loaded' || m.type === 'invalid') loadedRes(m);
  else if (m.type === 'progress') {
    progressCount++;
    peakRss = Math.max(peakRss, m.memory.rss);
    if (forwardDoneAt === undefined && l0 && m.progress.forwardDone >= l0.run.dims.T_x) forwardDoneAt = ms();
    if (m.progress.finished || m.progress.error) finishedRes(m);
    if (m.progress.sumsComplete && sumsAt === undefined) sumsAt = ms();
  }
});
worker.postMessage({
  type: 'load', runId: 1, path: fixture, maxBytes: 1024 * 1048576, gateGradLimitBytes: 64 * 1048576,
  ...(cacheMb ? { cacheMemoryMB: Number(cacheMb) } : {}),
});
let l0;
const l = await loaded;
l0 = l;
if (l.type !== 'loaded') { console.error(l.message); process.exit(1); }
console.log(`parsed in worker:         ${ms()} ms  (${JSON.stringify(l.run.dims)}, T_b=${l.run.T_b}); RSS now ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB, peak so far ${(peakRss / 1048576).toFixed(0)} MB`);
const tStart = performance.now();
worker.postMessage({ type: 'start' });
let first;
for (;;) {
  first = await request({ type: 'step', phase: 'forward', t: 0 });
  if (!first.error) break;
  await new Promise((r) => setTimeout(r, 2));
}
console.log(`first step payload:       ${ms()} ms after load started, ${(performance.now() - tStart).toFixed(0)} ms after start`);
// As the panel does once it painted that step: the run (held after its first step) goes on.
worker.postMessage({ type: 'painted' });
// Step requests while the run fills: how long does a reply take?
const lat = [];
for (let t = 0; t < 40; t++) {
  const s = performance.now();
  const r = await request({ type: 'step', phase: 'forward', t: 0 });
  if (!r.error) lat.push(performance.now() - s);
}
lat.sort((a, b) => a - b);
console.log(`step reply while filling: median ${lat[lat.length >> 1].toFixed(1)} ms, max ${lat[lat.length - 1].toFixed(1)} ms (${lat.length} requests)`);
const fin = await finished;
if (daLine) console.log(daLine);
if (forwardDoneAt) console.log(`forward done:             ${forwardDoneAt} ms`);
console.log(`run finished:             ${ms()} ms  (${progressCount} progress messages)${fin.progress.error ? ' ERROR ' + fin.progress.error : ''}`);
const b = performance.now();
const bw = await request({ type: 'step', phase: 'backward', t: 500 < l.run.T_b ? 500 : 0 });
console.log(`backward step payload:    ${(performance.now() - b).toFixed(1)} ms (recomputed on demand)${bw.error ? ' ' + bw.error : ''}`);
// The running sums' build runs after the run, between requests: the stepping below measures
// backward steps with their sums (a step far from any built sum is served without them).
while (sumsAt === undefined) await new Promise((r) => setTimeout(r, 50));
console.log(`running sums built:       ${sumsAt} ms`);
const vmHwm = async () => {
  const m = /^VmHWM:\s+(\d+) kB/m.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'));
  return m ? `${(Number(m[1]) / 1024).toFixed(0)} MB` : '?';
};
const pct = (xs, q) => { const a = [...xs].sort((x, y) => x - y); return a[Math.min(a.length - 1, Math.floor((a.length - 1) * q))]; };
const series = async (label, stops, gapMs) => {
  const lat = [];
  let noSums = 0;
  for (const [phase, t] of stops) {
    const s0 = performance.now();
    const r = await request({ type: 'step', phase, t });
    if (r.error) { console.log(`  ${label}: ${phase} ${t}: ${r.error}`); continue; }
    lat.push(performance.now() - s0);
    if (phase === 'backward' && !r.tensors.some((x) => x.name.startsWith('sum_'))) noSums++;
    await new Promise((res) => setTimeout(res, gapMs));
  }
  console.log(`${label.padEnd(26)}n=${lat.length}: p50 ${pct(lat, 0.5).toFixed(1)} ms, p95 ${pct(lat, 0.95).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms` +
    `${noSums ? ` (${noSums} without running sums: not computed yet)` : ''}; VmHWM so far ${await vmHwm()}`);
};
const T_x = l.run.dims.T_x, T_b = l.run.T_b;
const n = Math.min(200, T_x);
await series('step back (forward)', Array.from({ length: n }, (_, i) => ['forward', T_x - 1 - i]), 20);
await series('step forward (forward)', Array.from({ length: n }, (_, i) => ['forward', Math.floor(T_x / 3) + i]), 20);
await series('step back (backward)', Array.from({ length: Math.min(200, T_b) }, (_, i) => ['backward', i]), 20);
// +10 thirty times from a third of the way, then −10 thirty times
const jumps = Array.from({ length: 60 }, (_, i) => ['forward', Math.floor(T_x / 3) + 10 * (i < 30 ? i + 1 : 59 - i)]).filter(([, t]) => t < T_x);
await series('jumps ±10 (forward)', jumps, 20);
// the same in the backward, from two thirds of the way down: −10 (Shift: towards T_b) then +10
const bjumps = Array.from({ length: 60 }, (_, i) => ['backward', Math.floor(T_b / 3) + 10 * (i < 30 ? i + 1 : 59 - i)]).filter(([, t]) => t < T_b);
await series('jumps ±10 (backward)', bjumps, 20);
const cpuS = () => { const c = process.cpuUsage(); return ((c.user + c.system) / 1e6).toFixed(1); };
console.log(`VmHWM before any export:  ${await vmHwm()}; CPU so far ${cpuS()} s`);
if (exportPath) {
  const e = performance.now();
  const r = await request({ type: 'export', path: exportPath });
  console.log(`export:                   ${((performance.now() - e) / 1000).toFixed(1)} s, ${r.bytes ?? r.error} bytes`);
}
const mem = await request({ type: 'memory' });
sample();
peakRss = Math.max(peakRss, mem.peak.rss);
console.log(`peak RSS (process):       ${(peakRss / 1048576).toFixed(0)} MB`);
console.log(`VmHWM (process):          ${await vmHwm()}; CPU ${cpuS()} s`);
clearInterval(sampler);
await worker.terminate();
