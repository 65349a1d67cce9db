/**
 * Reading and parsing a fixture inside the worker, turned into what the host needs: the problem,
 * or diagnostics with start and end positions (the worker has the text, the host does not).
 */
import { statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FixtureDiagnostic, Problem } from '../engine/types';
import { fastParseFixture, fastReadDaLenient, type DeferredDa } from '../fixture/fastParse';
import { readArray } from '../fixture/fastNumbers';
import { readHead, readRange, type HeadRead } from '../fixture/fastRead';
import { ColumnReader } from '../fixture/lazyColumns';
import { fileArrayResolver, isNpzPath, readNpzFixture } from '../fixture/arrayFiles';
import { formatDiagnostic, parseFixture } from '../fixture/parse';
import type { WorkerDiag } from './workerProtocol';

export type LoadResult =
  | {
      ok: true;
      problem: Problem;
      warnings: string[];
      warningDiags: WorkerDiag[];
      /**
       * Staged load: `problem.da` has its shape but no numbers yet (an empty array); they come
       * with the `DaResult` passed to the `onDa` callback of the load.
       */
      daPending?: boolean;
      /**
       * x's numbers are read column by column as the run needs them (`problem.x.data` is filled
       * in place by this reader); when it declines, the file needs the positioned reader.
       */
      lazyX?: ColumnReader;
    }
  | { ok: false; diagnostics: WorkerDiag[]; message: string };

/** The second stage of a staged load: da's numbers, or why the fixture is invalid after all. */
export type DaResult =
  | {
      ok: true;
      data: Float64Array;
      warnings: string[];
      warningDiags: WorkerDiag[];
      /** da was written in place into the run's shared da array (`data` is then empty). */
      inPlace?: boolean;
    }
  | { ok: false; diagnostics: WorkerDiag[]; message: string };

/** 1-based line/column of 0-based offsets, one pass over the text. */
function positions(text: string, offsets: number[]): Map<number, { line: number; column: number }> {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const out = new Map<number, { line: number; column: number }>();
  let line = 1, lineStart = 0, i = 0;
  for (const off of sorted) {
    const end = Math.min(Math.max(off, 0), text.length);
    for (; i < end; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    out.set(off, { line, column: end - lineStart + 1 });
  }
  return out;
}

export function toWorkerDiags(text: string, diags: readonly FixtureDiagnostic[]): WorkerDiag[] {
  const ends = diags.map((d) => d.offset + Math.max(d.length, 0));
  const pos = positions(text, ends);
  return diags.map((d, k) => {
    const end = pos.get(ends[k]) ?? { line: d.line, column: d.column };
    const sameOrAfter = end.line > d.line || (end.line === d.line && end.column > d.column);
    return {
      line: d.line,
      column: d.column,
      endLine: sameOrAfter ? end.line : d.line,
      endColumn: sameOrAfter ? end.column : d.column + 1,
      path: d.path,
      message: d.message,
      severity: d.severity,
    };
  });
}

const fileProblem = (message: string): { ok: false; diagnostics: WorkerDiag[]; message: string } => ({
  ok: false,
  message,
  diagnostics: [{ line: 1, column: 1, endLine: 1, endColumn: 2, path: '', message, severity: 'error' }],
});

export async function loadFixture(path: string, maxBytes: number): Promise<LoadResult> {
  return loadFixtureStaged(path, maxBytes);
}

function invalid(name: string, text: string, diags: readonly FixtureDiagnostic[]): { ok: false; diagnostics: WorkerDiag[]; message: string } {
  const diagnostics = toWorkerDiags(text, diags);
  const first = diagnostics[0];
  const message = first ? `${name}:${first.line}:${first.column}: ${first.message}` : `${name}: invalid fixture`;
  return { ok: false, diagnostics, message };
}

/** The positioned reader over the whole text: the reference behaviour, and every error message. */
function fullParse(name: string, path: string, bytes: Buffer, maxBytes = 512 * 1048576): LoadResult {
  const text = bytes.toString('utf8');
  // Array references ({"npy": …}) are read beside the fixture (the fast reader leaves them to us).
  const res = parseFixture(text, path, { resolveArray: fileArrayResolver(path, maxBytes) });
  if (!res.ok) return invalid(name, text, res.diagnostics);
  const warnings = res.warnings.map((w) => formatDiagnostic(name, w));
  return { ok: true, problem: res.problem, warnings, warningDiags: toWorkerDiags(text, res.warnings) };
}

/**
 * Reads and parses a fixture. Well-formed rnn/lstm files take the fast single-pass reader
 * (fastParse.ts); anything else the positioned reader, so errors and warnings are exactly its.
 *
 * With `onDa`, the load is staged when `da` is the file's last key: the result comes as soon as
 * everything but da's numbers is read and checked (`daPending`), and `onDa` gets da's numbers
 * (or the file's diagnostics, if da turns out invalid) once they are read.
 */
export async function loadFixtureStaged(path: string, maxBytes: number, onDa?: (r: DaResult) => void): Promise<LoadResult> {
  const name = basename(path);
  let bytes: Buffer;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    return cannotRead(name, e);
  }
  if (size > maxBytes) {
    const mb = (n: number) => (n / 1048576).toFixed(1);
    return fileProblem(
      `${name}: the file is ${mb(size)} MB, above the limit of ${mb(maxBytes)} MB ` +
        '(setting rnnStepper.maxFixtureSizeMB)',
    );
  }
  if (isNpzPath(path)) return npzLoad(name, path, maxBytes);
  const decode = (b: Uint8Array, start: number, end: number) =>
    Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', start, end);
  if (onDa && size > PARTIAL_READ_BYTES) {
    // Big file: check everything but da's numbers on the head alone, read the rest meanwhile.
    let head: HeadRead;
    try {
      head = readHead(path);
    } catch (e) {
      return cannotRead(name, e);
    }
    const unread: [number, number] = [head.headEnd, head.tailStart];
    const fast = head.complete ? undefined : fastParseFixture(head.bytes, path, { deferDa: true, decode, unread });
    if (fast?.deferredDa) {
      const deferred = fast.deferredDa;
      const first = fast.problem;
      const daData = first.da.data;
      first.da = { shape: first.da.shape, data: new Float64Array(0) };
      setImmediate(() => {
        try {
          head.rest();
        } catch (e) {
          onDa(cannotRead(name, e));
          return;
        }
        // The head was read without the middle: only now can "no key after da" be checked.
        const keysAfterDa = head.bytes.indexOf(0x22, deferred.start) >= 0;
        onDa(secondStage(name, path, head.bytes, keysAfterDa ? undefined : deferred, daData, first));
      });
      return { ok: true, problem: first, warnings: [], warningDiags: [], daPending: true };
    }
    try {
      head.rest();
    } catch (e) {
      return cannotRead(name, e);
    }
    bytes = head.bytes;
  } else {
    try {
      bytes = await readFile(path);
    } catch (e) {
      return cannotRead(name, e);
    }
  }
  const fast = fastParseFixture(bytes, path, { deferDa: onDa !== undefined, decode });
  if (!fast) return fullParse(name, path, bytes, maxBytes);
  const { problem, deferredDa } = fast;
  if (!deferredDa || !onDa) return { ok: true, problem, warnings: [], warningDiags: [] };
  const daData = problem.da.data;
  problem.da = { shape: problem.da.shape, data: new Float64Array(0) };
  setImmediate(() => onDa(secondStage(name, path, bytes, deferredDa, daData, undefined)));
  return { ok: true, problem, warnings: [], warningDiags: [], daPending: true };
}

/** A .npz as a fixture: no text, so its diagnostics sit at the top of the file. */
function npzLoad(name: string, path: string, maxBytes: number): LoadResult {
  const r = readNpzFixture(path, maxBytes);
  const diag = (d: FixtureDiagnostic): WorkerDiag => ({
    line: 1, column: 1, endLine: 1, endColumn: 1, path: d.path, message: d.message, severity: d.severity,
  });
  if (!r.ok) {
    const first = r.diagnostics[0];
    return { ok: false, diagnostics: r.diagnostics.map(diag), message: first ? formatDiagnostic(name, first) : `${name}: invalid fixture` };
  }
  return { ok: true, problem: r.problem, warnings: r.warnings.map((w) => formatDiagnostic(name, w)), warningDiags: r.warnings.map(diag) };
}

/** Files above this size are read in two parts when staged (fastRead.ts). */
const PARTIAL_READ_BYTES = 8 * 1048576;

function cannotRead(name: string, e: unknown): { ok: false; diagnostics: WorkerDiag[]; message: string } {
  const code = (e as NodeJS.ErrnoException).code;
  return fileProblem(`${name}: cannot read the file (${code ?? (e as Error).message})`);
}

function sameArray(a: { shape: number[]; data: Float64Array } | undefined, b: { shape: number[]; data: Float64Array } | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.shape.join() !== b.shape.join() || a.data.length !== b.data.length) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return Buffer.compare(x, y) === 0;
}

/**
 * da's numbers (fast reader), or the positioned reader's verdict on the whole file. `first` is the
 * stage-1 problem when it was checked on the head alone: if the full reader finds keys after da
 * that change what the run already uses, that is reported (the run started with other inputs).
 */
function secondStage(
  name: string, path: string, bytes: Buffer, deferred: DeferredDa | undefined, daData: Float64Array, first: Problem | undefined,
  /** Called before anything but da's own bytes is read (when only they were read so far). */
  readAll: () => void = () => undefined,
): DaResult {
  try {
    const fast = deferred ? fastReadDaLenient(bytes, deferred, daData) : false;
    if (fast && !fast.warning) return { ok: true, data: daData, warnings: [], warningDiags: [] };
    if (fast && fast.warning) {
      // NaN/Infinity tokens in da: parseFixture's warning, without its memory-hungry full reading.
      const w = fast.warning;
      const d: FixtureDiagnostic = { ...w, severity: 'warning' };
      return {
        ok: true,
        data: daData,
        warnings: [formatDiagnostic(name, d)],
        warningDiags: [{ line: w.line, column: w.column, endLine: w.line, endColumn: w.column + w.length, path: w.path, message: w.message, severity: 'warning' }],
      };
    }
    // Not a plain numeric array after all: the positioned reader says what.
    readAll();
    const full = fullParse(name, path, bytes);
    if (!full.ok) return full;
    if (first) {
      const p = full.problem;
      const keys = Object.keys(p.parameters) as (keyof Problem['parameters'])[];
      const same =
        p.kind === first.kind && sameArray(p.x, first.x) && sameArray(p.a0, first.a0) && sameArray(p.c0, first.c0) &&
        sameArray(p.da, { shape: first.da.shape, data: p.da.data }) &&
        keys.every((k) => sameArray(p.parameters[k], first.parameters[k]));
      if (!same) {
        return fileProblem(
          `${name}: keys after "da" change the inputs the run started with: put "da" last in the file (as rnn-stepper new writes it)`,
        );
      }
    }
    return { ok: true, data: full.problem.da.data, warnings: full.warnings, warningDiags: full.warningDiags };
  } catch (e) {
    return fileProblem(`${name}: the reader failed: ${(e as Error).message}`);
  }
}

/** Every ArrayBuffer a problem's arrays live in (for a zero-copy transfer). */
export function problemBuffers(problem: Problem): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  const add = (a: { data: Float64Array } | undefined) => {
    if (a) set.add(a.data.buffer as ArrayBuffer);
  };
  add(problem.x);
  add(problem.a0);
  add(problem.c0);
  add(problem.da);
  add(problem.dcFinal);
  for (const v of Object.values(problem.parameters)) add(v);
  return [...set];
}

/** Messages of the parse thread (`workerData.role = 'parse'`). */
export type ParseThreadMessage = { stage: 'load'; result: LoadResult } | { stage: 'da'; result: DaResult };

/**
 * `loadFixtureStaged` in a short-lived worker of its own (`script` with `workerData.role =
 * 'parse'`): reading and parsing a big fixture leaves hundreds of MB of bytes, text and garbage in
 * a heap, and a heap only gives its pages back to the OS when its thread ends. The problem's
 * arrays come back transferred (no copy); the garbage goes away with the thread. With `onDa` the
 * load is staged (see loadFixtureStaged) and the thread ends after sending da.
 */
export function loadFixtureIsolated(
  script: string, path: string, maxBytes: number, onDa?: (r: DaResult) => void,
): Promise<LoadResult> {
  return new Promise((resolve) => {
    const w = new Worker(script, { workerData: { role: 'parse', path, maxBytes, staged: onDa !== undefined } });
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

/** What the da thread (`workerData.role = 'da'`) is given. */
export interface DaThreadData {
  role: 'da';
  path: string;
  /** The size the head was read from (a file that changed meanwhile is read again in full). */
  size: number;
  deferred: DeferredDa;
  /**
   * The problem the run started with (compared with the full reading in the rare file with keys
   * after da); its `da.data` is shared memory the da thread fills in place.
   */
  first: Problem;
  /** x is read lazily by the run: `first.x` is empty, x's `[` is at this index of the file. */
  xStart?: number;
}

/**
 * The da thread: reads the file (its bytes die with the thread), then da's numbers (or the full
 * reader's verdict).
 */
export function daThreadMain(d: DaThreadData): DaResult {
  const name = basename(d.path);
  // Only da's bytes (from its `[` on) are read unless more is needed: the head's pages are never
  // touched (tens of MB less while the forward fills its caches).
  let bytes: Buffer;
  let headRead = false;
  try {
    const size = statSync(d.path).size;
    if (size !== d.size) return fileProblem(`${name}: the file changed while it was read: run Step RNN again`);
    bytes = Buffer.alloc(size);
    readRange(d.path, bytes, d.deferred.start, size);
  } catch (e) {
    return cannotRead(name, e);
  }
  const readAll = () => {
    if (!headRead) readRange(d.path, bytes, 0, d.deferred.start);
    headRead = true;
  };
  const keysAfterDa = bytes.indexOf(0x22, d.deferred.start) >= 0;
  if (keysAfterDa) readAll();
  // first.da.data is the run's shared da array: filled in place.
  const shared = d.first.da.data;
  let first = d.first;
  if (keysAfterDa && d.xStart !== undefined) {
    // The comparison with the full reading needs the x the run reads: the first x of the file.
    try {
      first = { ...first, x: readArray(bytes, d.xStart, 3) };
    } catch {
      /* not plain numbers: the full reader (below) says what is wrong */
    }
  }
  let r: DaResult;
  try {
    r = secondStage(name, d.path, bytes, keysAfterDa ? undefined : d.deferred, shared, first, readAll);
  } catch (e) {
    return cannotRead(name, e);
  }
  return r.ok && r.data === shared ? { ...r, data: new Float64Array(0), inPlace: true } : r;
}

/**
 * The staged load for big files with the fewest steps before the run can start: the head of the
 * file is read and checked in this thread (no thread start on the way to the first step); a
 * short-lived thread (`script` with role 'da') then reads the rest into the same shared buffer and
 * parses da, so the text and its garbage never enter this heap. Files the fast reader does not
 * take go to `loadFixtureIsolated` (the positioned reader, in its own thread).
 */
export async function loadFixtureSplit(
  script: string, path: string, maxBytes: number, onDa: (r: DaResult) => void,
  /** The da thread starts once this settles (the caller's first step: it gets both cores first). */
  daAfter: Promise<unknown> = Promise.resolve(),
): Promise<LoadResult> {
  const name = basename(path);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    return cannotRead(name, e);
  }
  if (size > maxBytes || size <= PARTIAL_READ_BYTES || isNpzPath(path)) return loadFixtureIsolated(script, path, maxBytes, onDa);
  let head: HeadRead | undefined;
  try {
    head = readHead(path);
  } catch (e) {
    return cannotRead(name, e);
  }
  head.close();
  const decode = (b: Uint8Array, start: number, end: number) =>
    Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', start, end);
  const unread: [number, number] = [head.headEnd, head.tailStart];
  // (RNN_STEPPER_EAGER_X=1 reads all of x before the run starts: for A/B measurements only)
  const deferX = !process.env.RNN_STEPPER_EAGER_X;
  const fast = head.complete ? undefined : fastParseFixture(head.bytes, path, { deferDa: true, deferX, decode, unread });
  // x's numbers are read from the head's bytes as the run goes (the reader drops them when done);
  // the da thread reads the file itself.
  const bytes = head.bytes;
  head = undefined;
  if (!fast?.deferredDa) return loadFixtureIsolated(script, path, maxBytes, onDa);
  const problem = fast.problem;
  const lazyX = fast.deferredX ? new ColumnReader(bytes, fast.deferredX, problem.x.data) : undefined;
  // da's numbers are written in place by the da thread into shared memory the runner reads from
  // (zero-filled: untouched pages cost nothing until then): no second copy of da, ever.
  const [n_a, m, T_b] = fast.deferredDa.shape;
  problem.da = { shape: problem.da.shape, data: new Float64Array(new SharedArrayBuffer(n_a * m * T_b * 8)) };
  const data: DaThreadData = { role: 'da', path, size, deferred: fast.deferredDa, first: problem, xStart: fast.deferredX?.start };
  const firstDa = problem.da;
  // After the caller has posted 'loaded' and computed its first step: the da thread.
  void daAfter.then(undefined, () => undefined).then(() => setImmediate(() => {
    let done = false;
    const finish = (r: DaResult) => {
      if (done) return;
      done = true;
      onDa(r);
      void w.terminate();
    };
    // The run may have put a placeholder da in the problem meanwhile: the da thread needs only its shape.
    // (x is being filled column by column: the da thread reads its own x when it needs it)
    const first = lazyX ? { ...problem, da: firstDa, x: { shape: problem.x.shape, data: new Float64Array(0) } } : { ...problem, da: firstDa };
    const w = new Worker(script, { workerData: { ...data, first } });
    w.once('message', (r: DaResult) => finish(r));
    w.once('error', (e) => finish(fileProblem(`${name}: the reader failed: ${e.message}`)));
    w.once('exit', (code) => finish(fileProblem(`${name}: the reader stopped (exit code ${code})`)));
  }));
  return { ok: true, problem, warnings: [], warningDiags: [], daPending: true, lazyX };
}
