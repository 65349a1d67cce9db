/**
 * Staged loads: reading and parsing a fixture so that the run can start before all of it is read
 * (da's numbers after the rest, x column by column), turned into what the host needs: the
 * problem, or positioned diagnostics. Runs in whichever thread calls it; the threads that read in
 * the background are started by threads.ts.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FixtureDiagnostic, Problem } from '../engine/types';
import { fastParseFixture, fastReadDaLenient, type DeferredDa } from '../fixture/fastParse';
import { readArray } from '../fixture/fastNumbers';
import { streamRank3 } from '../fixture/fastStream';
import { readHead, readRange, type HeadRead } from '../fixture/fastRead';
import { ColumnReader } from '../fixture/lazyColumns';
import { daIsLazyOnes } from '../engine/layout';
import { fileArrayResolver, isNpzPath, readNpzFixture } from '../fixture/arrayFiles';
import { formatDiagnostic, parseFixture } from '../fixture/parse';
import { toWorkerDiags } from './diagnostics';
import { cannotRead, fileProblem, invalidFixture, type LoadFailure } from './loadErrors';
import type { WorkerDiag } from './protocol';

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
  | LoadFailure;

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
  | LoadFailure;

/** The positioned reader over the whole text: the reference behaviour, and every error message. */
function fullParse(name: string, path: string, bytes: Buffer, maxBytes = 512 * 1048576): LoadResult {
  const text = bytes.toString('utf8');
  // Array references ({"npy": …}) are read beside the fixture (the fast reader leaves them to us).
  const res = parseFixture(text, path, { resolveArray: fileArrayResolver(path, maxBytes) });
  if (!res.ok) return invalidFixture(name, text, res.diagnostics);
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
  if (!deferredDa || !onDa) return { ok: true, problem, ...fastWarnings(name, fast.warnings) };
  const daData = problem.da.data;
  problem.da = { shape: problem.da.shape, data: new Float64Array(0) };
  setImmediate(() => onDa(secondStage(name, path, bytes, deferredDa, daData, undefined)));
  return { ok: true, problem, warnings: [], warningDiags: [], daPending: true };
}

/**
 * The fast reader's warnings ("no da: using ones", on the file's first `{`) for the host: each
 * spans one ASCII character on its line, so its end needs no look at the text.
 */
function fastWarnings(name: string, ws: readonly FixtureDiagnostic[]): { warnings: string[]; warningDiags: WorkerDiag[] } {
  return {
    warnings: ws.map((w) => formatDiagnostic(name, w)),
    warningDiags: ws.map((w) => ({
      line: w.line, column: w.column, endLine: w.line, endColumn: w.column + Math.max(1, w.length), path: w.path, message: w.message, severity: w.severity,
    })),
  };
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
export const PARTIAL_READ_BYTES = 8 * 1048576;

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
  // First da's numbers straight from the file, a piece at a time, into the run's shared da: its
  // text (~160 MB at T = 1000 for the issue-13 LSTM) is never held. Only a da that is not plain
  // numbers of its shape ending the file (a NaN token, a key after it) is read as before.
  try {
    const size = statSync(d.path).size;
    if (size !== d.size) return fileProblem(`${name}: the file changed while it was read: run Step RNN again`);
    const fd = openSync(d.path, 'r');
    try {
      const read = (b: Uint8Array, off: number, n: number, pos: number) => readSync(fd, b, off, n, pos);
      if (streamRank3(read, d.deferred.start, d.deferred.end, d.deferred.shape, d.first.da.data)) {
        return { ok: true, data: new Float64Array(0), warnings: [], warningDiags: [], inPlace: true };
      }
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return cannotRead(name, e);
  }
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


/** The head of a big file, read and checked in this thread: the run can start from it. */
export interface SplitHead {
  ok: true;
  /** Everything but da's numbers (and x's, with `lazyX`); `problem.da.data` is shared memory. */
  problem: Problem;
  /** x's numbers, read column by column from the head's bytes as the run needs them. */
  lazyX?: ColumnReader;
  /**
   * What the da thread needs to read the rest of the file and fill `problem.da.data` in place;
   * none when the file has no da (its ones are not held: `lazyOnesDa`).
   */
  daThread?: DaThreadData;
  /** The reader's warnings ("no da: using ones"). */
  warnings: string[];
  warningDiags: WorkerDiag[];
}

/**
 * The first half of the staged load for big files, with the fewest steps before the run can
 * start: the head of the file is read and checked in the calling thread (no thread start on the
 * way to the first step). `undefined`: the file is not one for this reader (small, above the
 * limit, or declined by the fast reader), read it whole with the positioned reader.
 */
export async function readSplitHead(path: string, maxBytes: number, partialBytes = PARTIAL_READ_BYTES): Promise<SplitHead | LoadFailure | undefined> {
  const name = basename(path);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    return cannotRead(name, e);
  }
  if (size > maxBytes || size <= partialBytes || isNpzPath(path)) return undefined;
  let head: HeadRead;
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
  // No "da" key in the file: the head is the whole file (readHead stops only past a "da").
  const fast = fastParseFixture(head.bytes, path, { deferDa: true, deferX, decode, ...(head.complete ? {} : { unread }) });
  if (!fast) return undefined;
  const problem = fast.problem;
  // x's numbers are read from the head's bytes as the run goes (the reader drops them when done);
  // the da thread reads the file itself.
  const lazyX = fast.deferredX ? new ColumnReader(head.bytes, fast.deferredX, problem.x.data) : undefined;
  if (!fast.deferredDa) {
    // A file without da (T = 10,000 of the issue-13 LSTM: x alone is 410 MB of JSON) runs on
    // ones it never holds; anything else that is not staged (da before other keys) is read whole.
    if (!head.complete || !daIsLazyOnes(problem)) return undefined;
    return { ok: true, problem, lazyX, ...fastWarnings(name, fast.warnings) };
  }
  // da's numbers are written in place by the da thread into shared memory the runner reads from
  // (zero-filled: untouched pages cost nothing until then): no second copy of da, ever.
  const [n_a, m, T_b] = fast.deferredDa.shape;
  problem.da = { shape: problem.da.shape, data: new Float64Array(new SharedArrayBuffer(n_a * m * T_b * 8)) };
  // The run replaces problem.da with a placeholder once it holds the array: the da thread gets
  // its own view of the problem now. (x is being filled column by column: the da thread reads
  // its own x when it needs it.)
  const first = lazyX ? { ...problem, x: { shape: problem.x.shape, data: new Float64Array(0) } } : { ...problem };
  const daThread: DaThreadData = { role: 'da', path, size, deferred: fast.deferredDa, first, xStart: fast.deferredX?.start };
  return { ok: true, problem, lazyX, daThread, warnings: [], warningDiags: [] };
}
