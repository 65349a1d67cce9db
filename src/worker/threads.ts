/**
 * The short-lived threads a load uses, and the thread-side loader the run session is given:
 * reading and parsing a big fixture leaves hundreds of MB of bytes, text and garbage in a heap,
 * and a heap only gives its pages back to the OS when its thread ends. So the positioned reader
 * runs in a thread of its own (role 'parse'), and a staged load's da is read by another (role
 * 'da'); arrays come back transferred or in shared memory, the garbage dies with the thread.
 * Every thread runs the same bundle (dist/worker.js); `workerData.role` says which job.
 */
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Problem } from '../engine/types';
import { fileProblem } from './loadErrors';
import type { FixtureLoader } from './session';
import { daThreadMain, loadFixtureStaged, readSplitHead, type DaResult, type DaThreadData, type LoadResult } from './stagedLoad';

/** Fixtures above this size are parsed away from the run's heap (see loadFixtureIsolated). */
const ISOLATE_PARSE_BYTES = 8 * 1048576;

/** What a parse thread is given (`workerData`). */
export interface ParseThreadData {
  role: 'parse';
  path: string;
  maxBytes: number;
  staged: boolean;
}

/** Messages of the parse thread. */
export type ParseThreadMessage = { stage: 'load'; result: LoadResult } | { stage: 'da'; result: DaResult };

/** Every ArrayBuffer a problem's arrays live in (for a zero-copy transfer). */
export function problemBuffers(problem: Problem): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  const add = (a: { data: Float64Array } | undefined) => {
    if (a && a.data.buffer instanceof ArrayBuffer) set.add(a.data.buffer);
  };
  add(problem.x);
  add(problem.a0);
  add(problem.c0);
  add(problem.da);
  add(problem.dcFinal);
  for (const v of Object.values(problem.parameters)) add(v);
  return [...set];
}

/**
 * `loadFixtureStaged` in a short-lived thread of its own (`script` with role 'parse'). With
 * `onDa` the load is staged (see loadFixtureStaged) and the thread ends after sending da.
 */
export function loadFixtureIsolated(
  script: string, path: string, maxBytes: number, onDa?: (r: DaResult) => void,
): Promise<LoadResult> {
  return new Promise((resolve) => {
    const workerData: ParseThreadData = { role: 'parse', path, maxBytes, staged: onDa !== undefined };
    const w = new Worker(script, { workerData });
    let loaded = false;
    let daPending = false;
    let daSent = false;
    const finish = (r: LoadResult) => {
      if (!loaded) {
        loaded = true;
        daPending = r.ok && r.daPending === true;
        resolve(r);
        if (!daPending) void w.terminate();
      }
    };
    const failDa = (message: string) => {
      if (!daPending || daSent || !onDa) return;
      daSent = true;
      onDa(fileProblem(message));
    };
    w.on('message', (m: ParseThreadMessage) => {
      if (m.stage === 'load') finish(m.result);
      else if (!daSent && onDa) {
        daSent = true;
        onDa(m.result);
        void w.terminate();
      }
    });
    w.once('error', (e) => {
      const message = `${basename(path)}: the reader failed: ${e.message}`;
      finish(fileProblem(message));
      failDa(message);
    });
    w.once('exit', (code) => {
      const message = `${basename(path)}: the reader stopped (exit code ${code})`;
      finish(fileProblem(message));
      failDa(message);
    });
  });
}

/** The da thread of a split load: reads the rest of the file and da's numbers, then ends. */
function spawnDaThread(script: string, data: DaThreadData): Promise<DaResult> {
  return new Promise((resolve) => {
    const name = basename(data.path);
    let done = false;
    const finish = (r: DaResult) => {
      if (done) return;
      done = true;
      resolve(r);
      void w.terminate();
    };
    const w = new Worker(script, { workerData: data });
    w.once('message', (r: DaResult) => finish(r));
    w.once('error', (e) => finish(fileProblem(`${name}: the reader failed: ${e.message}`)));
    w.once('exit', (code) => finish(fileProblem(`${name}: the reader stopped (exit code ${code})`)));
  });
}

/**
 * The staged load for big files: the head in this thread (readSplitHead), then, once `daAfter`
 * settles (the caller's first step: it gets both cores first), a da thread reads the rest into
 * shared memory. Files the split reader does not take go to `loadFixtureIsolated`.
 */
export async function loadFixtureSplit(
  script: string, path: string, maxBytes: number, onDa: (r: DaResult) => void, daAfter: Promise<unknown> = Promise.resolve(),
): Promise<LoadResult> {
  const head = await readSplitHead(path, maxBytes);
  if (!head) return loadFixtureIsolated(script, path, maxBytes, onDa);
  if (!head.ok) return head;
  const daThread = head.daThread;
  if (daThread) void daAfter.then(undefined, () => undefined).then(() => setImmediate(() => void spawnDaThread(script, daThread).then(onDa)));
  return { ok: true, problem: head.problem, warnings: head.warnings, warningDiags: head.warningDiags, daPending: daThread !== undefined, lazyX: head.lazyX };
}

/**
 * The loader a run session in a worker thread is given: small files are read in its own thread,
 * in one go; big ones staged (the head here, the rest in a da thread); the positioned reader over
 * the whole file (a late problem in x) in a throwaway thread. `script` is this bundle's file.
 */
export function threadLoader(script: string, fileSize: (path: string) => Promise<number>): FixtureLoader {
  return {
    async load(path, maxBytes, onDa, daAfter) {
      const size = await fileSize(path);
      return size > ISOLATE_PARSE_BYTES ? loadFixtureSplit(script, path, maxBytes, onDa, daAfter) : loadFixtureStaged(path, maxBytes);
    },
    loadWhole: (path, maxBytes) => loadFixtureIsolated(script, path, maxBytes),
  };
}

/**
 * Parse thread: read + parse one fixture, hand the result over (arrays transferred); when staged,
 * then da's numbers (or the diagnostics) once read. The owner ends the thread.
 */
export async function parseThreadMain(data: ParseThreadData, send: (m: ParseThreadMessage, transfer: ArrayBuffer[]) => void): Promise<void> {
  const onDa = (r: DaResult) => send({ stage: 'da', result: r }, r.ok && r.data.buffer instanceof ArrayBuffer ? [r.data.buffer] : []);
  const res = await loadFixtureStaged(data.path, data.maxBytes, data.staged ? onDa : undefined);
  // A staged problem is copied, not transferred: the second stage compares it with the whole
  // file's reading if keys turn up after da (see secondStage). The arrays are ~20 MB at most.
  send({ stage: 'load', result: res }, res.ok && !res.daPending ? problemBuffers(res.problem) : []);
}

/** Da thread: read the rest of a staged file into the shared buffer, parse da, hand it over. */
export function daThreadRun(data: DaThreadData, send: (r: DaResult, transfer: ArrayBuffer[]) => void): void {
  const r = daThreadMain(data);
  send(r, r.ok && !r.inPlace && r.data.buffer instanceof ArrayBuffer ? [r.data.buffer] : []);
}
