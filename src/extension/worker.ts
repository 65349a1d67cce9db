/**
 * The run worker (bundled to dist/worker.js): parses the fixture, computes the run in short
 * `advance()` slices and answers step/window/norm/export requests between slices, so the
 * extension host's main thread never does the math. Tensor payloads are transferred.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { createRunner, type Runner } from '../engine';
import type { Problem } from '../engine/types';
import { NonFiniteScanner } from '../session/nonFinite';
import { runningSumsFor } from '../session/runningSums';
import { nextSlice } from '../session/slicing';
import { gradientNorms, stepPayload, windowOf, type RunView } from '../session/steps';
import type { ColumnReader } from '../fixture/lazyColumns';
import {
  daThreadMain, loadFixtureIsolated, loadFixtureSplit, loadFixtureStaged, problemBuffers, type DaResult, type DaThreadData, type ParseThreadMessage,
} from './workerLoad';
import { exportRun } from './workerExport';
import type { FromWorker, MemorySample, ToWorker } from './workerProtocol';

/** Length of one compute slice: requests wait at most about this long. */
const SLICE_MS = 12;
/** Fixtures above this size are parsed in a separate, short-lived thread (see loadFixtureIsolated). */
const ISOLATE_PARSE_BYTES = 8 * 1048576;
/** Progress is posted at most this often (plus at phase changes and the end). */
const PROGRESS_MS = 60;

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

let problem: Problem | undefined;
let runner: LiveRun | undefined;
/**
 * Staged load: da's numbers are still being read. The forward runs meanwhile; the backward waits.
 * `daTarget` is the array the runner reads da from (filled in place when the numbers arrive).
 */
let daPending = false;
let daTarget: Float64Array | undefined;
/** Set when da turned out invalid: the forward steps stay valid, the backward never runs. */
let daError: string | undefined;
/** The pump stopped at the end of the forward, waiting for da. */
let stalled = false;
/**
 * x read column by column (big staged loads): the forward may only compute steps whose input
 * chunk is read. `xFallback` is set while the positioned reader looks at a file the column
 * reader declined; `xError` when x turned out invalid (the forward stops where x stopped).
 */
let lazyX: ColumnReader | undefined;
let xFallback = false;
let xError: string | undefined;
let fixturePath = '';
let maxBytes = 0;
/** The running sums' checkpoints are all built (said in the progress after the run). */
let sumsComplete = false;
let gateGradLimitBytes = 0;
let lastProgress = 0;
let lastPhaseForward = true;
const scanner = new NonFiniteScanner();
/**
 * After the first step the run holds still until the panel has painted it (or PAINT_WAIT_MS
 * after it was computed, or the run could not start): the first step's transfer and painting get
 * the cores (two, on small machines) to themselves. Then the forward goes on and a staged load
 * starts its da thread (`firstStep` settles).
 */
let resolveFirstStep: () => void = () => undefined;
const firstStep = new Promise<void>((res) => {
  resolveFirstStep = res;
});
let firstStepSettled = false;
function firstStepDone(): void {
  if (firstStepSettled) return;
  firstStepSettled = true;
  resolveFirstStep();
  setImmediate(pump);
}
let firstStepTimer: ReturnType<typeof setTimeout> | undefined;
const PAINT_WAIT_MS = 1500;
/** Background reading of x per slice (ms). */
const X_FILL_MS = 6;
const whenFinished: (() => void)[] = [];
/** Export requests waiting for the run to finish, by id: resolved with true to go, or a reason. */
const waitingExports = new Map<number, (go: true | string) => void>();

/** The run cannot finish: every waiting export is answered with the reason. */
function failWaiting(reason: string): void {
  for (const res of [...waitingExports.values()]) res(reason);
}
/** Export ids whose cancel arrived (checked between written chunks). */
const cancelledExports = new Set<number>();
let peak: MemorySample = memory();

function memory(): MemorySample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

function samplePeak(): MemorySample {
  const m = memory();
  peak = {
    rss: Math.max(peak.rss, m.rss),
    heapUsed: Math.max(peak.heapUsed, m.heapUsed),
    external: Math.max(peak.external, m.external),
    arrayBuffers: Math.max(peak.arrayBuffers, m.arrayBuffers),
  };
  return m;
}

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function postProgress(error: string | undefined = daError): void {
  const r = runner;
  const hit = r ? scanner.update(r) : undefined;
  post({
    type: 'progress',
    progress: {
      forwardDone: r?.forwardDone ?? 0,
      backwardDone: r?.backwardDone ?? 0,
      finished: r?.finished ?? false,
      ...(hit ? { firstNonFinite: hit } : {}),
      ...(sumsComplete ? { sumsComplete } : {}),
      ...(error ? { error } : {}),
    },
    memory: samplePeak(),
  });
}

function postNorms(): void {
  if (!runner) return;
  const n = gradientNorms(runner);
  const transfer = [n.da.buffer as ArrayBuffer];
  if (n.dc) transfer.push(n.dc.buffer as ArrayBuffer);
  post({ type: 'norms', da: n.da.buffer as ArrayBuffer, dc: n.dc?.buffer as ArrayBuffer | undefined, from: n.from }, transfer);
}

function pump(): void {
  const r = runner;
  if (!r || r.finished || xError !== undefined) return;
  // Without da, only forward steps may be computed.
  const T_x = r.problem.dims.T_x;
  const forwardLeft = T_x - r.forwardDone;
  if ((daPending || daError !== undefined) && forwardLeft <= 0) {
    stalled = daPending;
    return;
  }
  // (see nextSlice: forward slices stop at the backward, backward slices are whole chunks)
  let { cap, budgetMs } = nextSlice(r, SLICE_MS);
  if (forwardLeft > 0 && lazyX) {
    const room = xRoom(r.forwardDone, r.problem.dims.m);
    if (room <= 0) return; // x is being read by the positioned reader (xFallback), or is invalid
    cap = Math.min(cap, room);
  }
  try {
    r.advance(budgetMs, cap);
  } catch (e) {
    const reason = `The engine failed: ${(e as Error).message}`;
    postProgress(reason);
    failWaiting(reason);
    runner = undefined;
    return;
  }
  // x's remaining columns in the background (its file bytes are held until they are all read).
  if (lazyX && firstStepSettled && !xFallback && xError === undefined && !lazyX.fillFor(X_FILL_MS)) startXFallback();
  // No panel says it painted (none open, or hidden): the run goes on a little later anyway.
  if (r.forwardDone > 0 && !firstStepTimer) firstStepTimer = setTimeout(firstStepDone, PAINT_WAIT_MS);
  const now = Date.now();
  const forwardPhase = r.forwardDone < r.problem.dims.T_x;
  const phaseChanged = forwardPhase !== lastPhaseForward;
  lastPhaseForward = forwardPhase;
  const forwardEnded = r.forwardDone === T_x && forwardLeft > 0;
  if (r.finished || phaseChanged || forwardEnded || r.forwardDone === 1 || now - lastProgress >= PROGRESS_MS) {
    lastProgress = now;
    postProgress();
    if (!forwardPhase) postNorms();
  }
  if (r.finished) {
    for (const f of whenFinished.splice(0)) f();
    setImmediate(buildSums);
    return;
  }
  if (!firstStepSettled) return; // held after the first step (firstStepDone resumes)
  setImmediate(pump);
}

/** How many more forward steps may run after `done` (x read lazily: see ColumnReader.forwardRoom). */
function xRoom(done: number, m: number): number {
  const x = lazyX!;
  if (xFallback || xError !== undefined) return 0;
  const room = x.forwardRoom(done, m);
  if (x.complete) lazyX = undefined; // (its bytes are gone already)
  else if (x.failedAt) startXFallback();
  return room;
}

/**
 * The column reader declined x (a NaN token, a string, a ragged row…): the positioned reader
 * reads the whole file in a throwaway thread. Valid after all (NaN tokens: warnings): x's numbers
 * are copied in and the run goes on. Invalid: the diagnostics, and the forward stays where it is.
 */
function startXFallback(): void {
  const x = lazyX;
  if (!x || xFallback) return;
  xFallback = true;
  void loadFixtureIsolated(__filename, fixturePath, maxBytes).then((res) => {
    xFallback = false;
    if (lazyX !== x) return;
    if (res.ok && res.problem.x.data.length === x.into.length) {
      x.into.set(res.problem.x.data);
      lazyX = undefined;
      post({ type: 'daLoaded', warnings: res.warnings, warningDiags: res.warningDiags });
    } else {
      const at = runner?.forwardDone ?? 0;
      const why = res.ok ? `${basename(fixturePath)}: x changed while the run read it: run Step RNN again` : res.message;
      xError = `${why} (x is read as the run goes: the ${at} forward steps computed are valid; the run cannot go on)`;
      lazyX = undefined;
      post({ type: 'daInvalid', diagnostics: res.ok ? [] : res.diagnostics, message: xError });
      daError ??= xError;
      postProgress();
      failWaiting(xError);
      return;
    }
    setImmediate(pump);
  });
}

/** After the run: the running sums' checkpoints, in short slices between requests. */
function buildSums(): void {
  const r = runner;
  if (!r || !r.finished) return;
  if (!runningSumsFor(r).build(SLICE_MS)) return void setImmediate(buildSums);
  sumsComplete = true;
  postProgress();
}

/** The engine's runner seen as the session's `RunView` (it adds the problem). */
class LiveRun implements RunView {
  constructor(readonly problem: Problem, readonly runner: Runner) {}
  get forward() {
    return this.runner.forward;
  }
  get backward() {
    return this.runner.backward;
  }
  get forwardDone() {
    return this.runner.forwardDone;
  }
  get backwardDone() {
    return this.runner.backwardDone;
  }
  get finished() {
    return this.runner.finished;
  }
  advance(budgetMs: number, maxSteps?: number): boolean {
    return this.runner.advance(budgetMs, maxSteps);
  }
}

function start(): void {
  if (!problem || runner) return;
  const { n_a, m } = problem.dims;
  const T_b = problem.da.shape[2] ?? 1;
  const gateBytes = problem.cell === 'lstm' ? 4 * T_b * n_a * m * 8 : 0;
  if (daPending && problem.da.data.length === 0) {
    // da's numbers are on their way: the runner reads them only in the backward, filled in place.
    problem.da = { shape: problem.da.shape, data: new Float64Array(n_a * m * T_b) };
  }
  daTarget = problem.da.data;
  try {
    runner = new LiveRun(problem, createRunner(problem, { keepGateGrads: gateBytes <= gateGradLimitBytes }));
  } catch (e) {
    postProgress(`The engine cannot run this fixture: ${e instanceof Error ? e.message : String(e)}`);
    firstStepDone();
    return;
  }
  // The runner reads da (NumPy layout) chunk-wise during the backward; nothing else reads
  // problem.da after this point (steps, windows and the export use the caches).
  problem.da = { shape: problem.da.shape, data: new Float64Array(0) };
  setImmediate(pump);
}

/** The second stage of a staged load arrived. */
function daArrived(r: DaResult): void {
  if (!daPending) return;
  daPending = false;
  if (!r.ok) {
    daError = `${r.message} (the forward steps shown are valid; the backward cannot run)`;
    post({ type: 'daInvalid', diagnostics: r.diagnostics, message: r.message });
    postProgress();
    failWaiting(daError);
    stalled = false;
    return;
  }
  if (!r.inPlace) {
    // (in place: the da thread wrote straight into the shared array the runner reads)
    if (daTarget) daTarget.set(r.data);
    else if (problem) problem.da = { shape: problem.da.shape, data: r.data };
  }
  post({ type: 'daLoaded', warnings: r.warnings, warningDiags: r.warningDiags });
  if (stalled) {
    stalled = false;
    setImmediate(pump);
  }
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'load': {
      gateGradLimitBytes = msg.gateGradLimitBytes;
      // Small files are read here. Big ones: the head here, checked by the fast reader, and the
      // rest (da) in a throwaway thread; files the fast reader declines in a throwaway thread too,
      // whose heap (text, JSON garbage) dies with it.
      const size = await stat(msg.path).then((st) => st.size, () => 0);
      // Big files are staged: the run may start before da's numbers are read (see daArrived).
      const res = size > ISOLATE_PARSE_BYTES
        ? await loadFixtureSplit(__filename, msg.path, msg.maxBytes, daArrived, firstStep)
        : await loadFixtureStaged(msg.path, msg.maxBytes); // small: in one go (warnings with 'loaded')
      samplePeak();
      if (!res.ok) {
        post({ type: 'invalid', diagnostics: res.diagnostics, message: res.message });
        return;
      }
      problem = res.problem;
      daPending = res.daPending === true;
      lazyX = res.lazyX;
      fixturePath = msg.path;
      maxBytes = msg.maxBytes;
      const d = problem.dims;
      post({
        type: 'loaded',
        run: {
          fileName: basename(msg.path),
          filePath: msg.path,
          name: problem.name,
          kind: problem.kind,
          cell: problem.cell,
          dims: { n_x: d.n_x, n_a: d.n_a, n_y: d.n_y, m: d.m, T_x: d.T_x },
          T_b: problem.da.shape[2] ?? 1,
          daDefaulted: problem.daDefaulted,
          warnings: res.warnings,
        },
        warnings: res.warningDiags,
      });
      return;
    }
    case 'start':
      start();
      return;
    case 'painted':
      firstStepDone();
      return;
    case 'step': {
      if (!runner) return post({ type: 'reply', id: msg.id, error: 'no run' });
      const p = stepPayload(runner, msg.phase, msg.t);
      if (typeof p === 'string') return post({ type: 'reply', id: msg.id, error: p });
      post({ type: 'reply', id: msg.id, kind: 'step', phase: msg.phase, t: msg.t, tensors: p }, p.map((x) => x.data));
      return;
    }
    case 'window': {
      if (!runner) return post({ type: 'reply', id: msg.id, error: 'no run' });
      const w = windowOf(runner, msg.tensor, msg.batch, msg.t0, msg.t1);
      if (typeof w === 'string') return post({ type: 'reply', id: msg.id, error: w });
      const data = w.data.buffer as ArrayBuffer;
      post({ type: 'reply', id: msg.id, kind: 'window', tensor: w.tensor, batch: w.batch, t0: w.t0, t1: w.t1, rows: w.rows, data }, [data]);
      return;
    }
    case 'norms': {
      if (!runner) return post({ type: 'reply', id: msg.id, error: 'no run' });
      const n = gradientNorms(runner);
      const da = n.da.buffer as ArrayBuffer, dc = n.dc?.buffer as ArrayBuffer | undefined;
      post({ type: 'reply', id: msg.id, kind: 'norms', da, dc, from: n.from }, dc ? [da, dc] : [da]);
      return;
    }
    case 'export': {
      if (!runner) return post({ type: 'reply', id: msg.id, error: 'no run to export' });
      const r = runner;
      if (daError !== undefined) return post({ type: 'reply', id: msg.id, error: daError });
      if (!r.finished) {
        const go = await new Promise<true | string>((res) => {
          waitingExports.set(msg.id, res);
          whenFinished.push(() => res(true));
        });
        waitingExports.delete(msg.id);
        if (go !== true) return post({ type: 'reply', id: msg.id, error: go });
      }
      let bytes: number;
      try {
        bytes = await exportRun({ problem: r.problem, forward: r.forward, backward: r.backward }, msg.path, () =>
          cancelledExports.has(msg.id),
        );
      } finally {
        cancelledExports.delete(msg.id);
      }
      samplePeak();
      post({ type: 'reply', id: msg.id, kind: 'export', bytes });
      return;
    }
    case 'cancel':
      cancelledExports.add(msg.target);
      waitingExports.get(msg.target)?.('export cancelled');
      return;
    case 'memory':
      post({ type: 'reply', id: msg.id, kind: 'memory', memory: samplePeak(), peak });
      return;
  }
}

/**
 * Parse mode: read + parse one fixture, hand the result over (arrays transferred); when staged,
 * then da's numbers (or the diagnostics) once read. The owner ends the thread.
 */
async function parseMain(data: { path: string; maxBytes: number; staged?: boolean }): Promise<void> {
  const send = (m: ParseThreadMessage, transfer: ArrayBuffer[]) => port!.postMessage(m, transfer);
  const onDa = (r: DaResult) => send({ stage: 'da', result: r }, r.ok ? [r.data.buffer as ArrayBuffer] : []);
  const res = await loadFixtureStaged(data.path, data.maxBytes, data.staged ? onDa : undefined);
  // A staged problem is copied, not transferred: the second stage compares it with the whole
  // file's reading if keys turn up after da (see secondStage). The arrays are ~20 MB at most.
  send({ stage: 'load', result: res }, res.ok && !res.daPending ? problemBuffers(res.problem) : []);
}

const role = (workerData as { role?: string } | null)?.role;
if (role === 'parse') void parseMain(workerData as { path: string; maxBytes: number; staged?: boolean });
else if (role === 'da') {
  // da mode: read the rest of a staged file into the shared buffer, parse da, hand it over, end.
  const r = daThreadMain(workerData as DaThreadData);
  port.postMessage(r, r.ok && !r.inPlace ? [r.data.buffer as ArrayBuffer] : []);
}
else port.on('message', (msg: ToWorker) => {
  handle(msg).catch((e: unknown) => {
    const id = (msg as { id?: number }).id;
    const message = e instanceof Error ? e.message : String(e);
    if (typeof id === 'number') post({ type: 'reply', id, error: message });
    else post({ type: 'invalid', diagnostics: [], message });
  });
});
