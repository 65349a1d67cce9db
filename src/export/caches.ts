/**
 * The caches export (`format: "rnn-stepper.caches"`, version 1): every forward cache, the
 * backward's per-step quantities and the gradients of a run, as nested lists in NumPy layout with
 * time last, so `np.array(e["forward"]["a"])` has shape `(n_a, m, T_x)`.
 *
 * Streamed: the text is produced in chunks of about `chunkChars` characters straight from the
 * engine's step-major buffers, never as one nested-array object (a T=1000, n_a=256, m=32 LSTM run
 * would need gigabytes as JS arrays). Pure: no Node, vscode or DOM imports.
 *
 * Numbers use JavaScript's shortest round-trip representation (`-0` kept), so parsing the file
 * gives back the engine's doubles bit for bit; NaN and ±Infinity are the strings "NaN",
 * "Infinity", "-Infinity".
 */
import { PARAM_GRADS_LSTM, PARAM_GRADS_RNN } from '../engine/names';
import { kernelsFor, modelOf } from '../engine/run';
import type { BackwardCaches, ForwardCaches, Problem, RunResult } from '../engine/types';

export const EXPORT_FORMAT = 'rnn-stepper.caches';
export const EXPORT_VERSION = 1;

export interface ExportOptions {
  /** Target chunk size in characters (default 64 Ki). */
  chunkChars?: number;
}

/** One float64 as JSON text that parses back to the same bits. */
export function formatNumber(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (v !== v) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  return String(v);
}

class Chunks {
  private parts: string[] = [];
  size = 0;
  constructor(readonly limit: number) {}
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
  }
  get full(): boolean {
    return this.size >= this.limit;
  }
  take(): string {
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return s;
  }
}

/** Element (i, j, t) of an `(n, m, T)` array: a step-major buffer or a computed quantity. */
export type At3 = (i: number, j: number, t: number) => number;

/** `(n, m, T)` time-last: one line per `[i][j]` row of T numbers. */
function* seq3(w: Chunks, at: At3, n: number, m: number, T: number, ind: string): Generator<string> {
  w.push('[');
  for (let i = 0; i < n; i++) {
    w.push(i === 0 ? '[' : `,\n${ind} [`);
    for (let j = 0; j < m; j++) {
      let s = j === 0 ? '[' : `,\n${ind}  [`;
      for (let t = 0; t < T; t++) s += (t === 0 ? '' : ',') + formatNumber(at(i, j, t));
      w.push(s + ']');
      if (w.full) yield w.take();
    }
    w.push(']');
  }
  w.push(']');
}

/** Row-major `(rows, cols)` matrix: one line per row. */
function* mat(w: Chunks, data: ArrayLike<number>, offset: number, rows: number, cols: number, ind: string): Generator<string> {
  w.push('[');
  for (let r = 0; r < rows; r++) {
    let s = r === 0 ? '[' : `,\n${ind} [`;
    const o = offset + r * cols;
    for (let k = 0; k < cols; k++) s += (k === 0 ? '' : ',') + formatNumber(data[o + k]!);
    w.push(s + ']');
    if (w.full) yield w.take();
  }
  w.push(']');
}

function stepMajor(buf: Float64Array, n: number, m: number): At3 {
  const nm = n * m;
  return (i, j, t) => buf[t * nm + i * m + j]!;
}

/**
 * tanh(c⟨t⟩) at flat index g = t·S + q as the run's cell backward took it. Above the size threshold
 * the run's kernels are WebAssembly, whose LSTM backward kernel has its own tanh (a few ulp from
 * Math.tanh): the same kernel's `tanhInPlace` is applied here, to one (unit, batch) position over
 * all steps at a time (the export reads t innermost), so no `(T_b, n_a, m)` buffer is needed.
 */
function runTanhOfC(problem: Problem, c: Float64Array, S: number, T_b: number): (g: number) => number {
  const ws = kernelsFor(modelOf(problem)).workspace(T_b, 1);
  if (!ws.lstmBackward || !ws.tanhInPlace) return (g) => Math.tanh(c[g]!);
  const tanhInPlace = ws.tanhInPlace.bind(ws);
  const row = ws.alloc(T_b);
  let rowOf = -1;
  return (g) => {
    const q = g % S;
    if (q !== rowOf) {
      for (let t = 0; t < T_b; t++) row[t] = c[t * S + q]!;
      tanhInPlace(row, T_b);
      rowOf = q;
    }
    return row[(g - q) / S]!;
  };
}

/**
 * The LSTM gate gradients at (i, j, t), recomputed from the caches when the run did not keep them
 * (`keepGateGrads: false`). Same expressions, in the same order, as the engine's backward step,
 * its wasm kernel and `cellBackwardAt`, and the same tanh (`runTanhOfC`), so the values are
 * identical to the bit (export-gate-grads.test.ts checks this on every backend); computed per
 * element, so the export needs no `(T_b, n_a, m)` buffers of its own.
 */
function gateGrads(problem: Problem, f: ForwardCaches, b: BackwardCaches, n_a: number, m: number): Record<'dft' | 'dit' | 'dcct' | 'dot', At3> {
  const S = n_a * m;
  const c = f.c!, ft = f.ft!, it = f.it!, cct = f.cct!, ot = f.ot!, da = b.da, dc = b.dc!;
  const c0 = problem.c0?.data;
  const tanhC = runTanhOfC(problem, c, S, b.T_b);
  const dC = (g: number) => {
    const tc = tanhC(g);
    const ov = ot[g]!;
    return dc[g]! + da[g]! * ov * (1 - tc * tc);
  };
  return {
    dft: (i, j, t) => {
      const q = i * m + j, g = t * S + q;
      const fv = ft[g]!;
      const cPrev = t > 0 ? c[g - S]! : c0 ? c0[q]! : 0;
      return dC(g) * cPrev * fv * (1 - fv);
    },
    dit: (i, j, t) => {
      const g = t * S + i * m + j;
      const iv = it[g]!, cv = cct[g]!;
      return dC(g) * cv * iv * (1 - iv);
    },
    dcct: (i, j, t) => {
      const g = t * S + i * m + j;
      const iv = it[g]!, cv = cct[g]!;
      return dC(g) * iv * (1 - cv * cv);
    },
    dot: (i, j, t) => {
      const g = t * S + i * m + j;
      const tc = tanhC(g);
      const ov = ot[g]!;
      return da[g]! * tc * ov * (1 - ov);
    },
  };
}

/** One array of the export: its key and how to read its numbers. */
export interface Entry {
  key: string;
  /** Either a time-last sequence `(n, m, T)`, or a plain row-major matrix. */
  seq?: { at: At3; n: number; m: number; T: number };
  matrix?: { data: ArrayLike<number>; offset: number; rows: number; cols: number };
}

/** The export's arrays by section. */
export interface Sections {
  forward: Entry[];
  backward: Entry[];
  gradients: Entry[];
}

/**
 * What an export is written from: a run with every step's caches, or (a checkpointed run that
 * recomputes them) the problem and its arrays already as entries, in the same order and layout.
 */
export type ExportSource = RunResult | { problem: Problem; sections: Sections };

/** The arrays of an export source (shared by the JSON and the .npz writers). */
export function sectionsOf(src: ExportSource): Sections {
  return 'sections' in src ? src.sections : sections(src);
}

/** The export's arrays by section, read from a run's caches. */
export function sections(result: RunResult): Sections {
  const { problem, forward: f, backward: b } = result;
  const { n_x, n_a, n_y, m, T_x } = problem.dims;
  const T_b = b.T_b;
  const cellKind = problem.kind === 'rnn_cell' || problem.kind === 'lstm_cell';
  const lstm = problem.cell === 'lstm';
  const gates = lstm
    ? b.dft && b.dit && b.dcct && b.dot
      ? { dft: stepMajor(b.dft, n_a, m), dit: stepMajor(b.dit, n_a, m), dcct: stepMajor(b.dcct, n_a, m), dot: stepMajor(b.dot, n_a, m) }
      : gateGrads(problem, f, b, n_a, m)
    : undefined;

  // A sequence entry, or for the cell kinds its single step as an (n, m) matrix.
  const seqOrStep = (key: string, cellKey: string, at: At3, n: number, T: number, buf?: Float64Array): Entry => {
    if (!cellKind) return { key, seq: { at, n, m, T } };
    if (buf) return { key: cellKey, matrix: { data: buf, offset: 0, rows: n, cols: m } };
    // computed quantity at step 0
    const data = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) data[i * m + j] = at(i, j, 0);
    return { key: cellKey, matrix: { data, offset: 0, rows: n, cols: m } };
  };
  const fwdBuf = (key: string, cellKey: string, buf: Float64Array, n: number) => seqOrStep(key, cellKey, stepMajor(buf, n, m), n, T_x, buf);
  const bwdBuf = (key: string, cellKey: string, buf: Float64Array, n: number) => seqOrStep(key, cellKey, stepMajor(buf, n, m), n, T_b, buf);

  const forward: Entry[] = [fwdBuf('a', 'a_next', f.a, n_a), fwdBuf('y_pred', 'yt_pred', f.y, n_y)];
  if (lstm) {
    forward.push(
      fwdBuf('c', 'c_next', f.c!, n_a),
      fwdBuf('ft', 'ft', f.ft!, n_a),
      fwdBuf('it', 'it', f.it!, n_a),
      fwdBuf('cct', 'cct', f.cct!, n_a),
      fwdBuf('ot', 'ot', f.ot!, n_a),
    );
  }
  const backward: Entry[] = [bwdBuf('da', 'da_next', b.da, n_a)];
  if (lstm && gates) {
    backward.push(bwdBuf('dc', 'dc_next', b.dc!, n_a));
    for (const g of ['dft', 'dit', 'dcct', 'dot'] as const) {
      const buf = b[g];
      backward.push(buf ? bwdBuf(g, g, buf, n_a) : seqOrStep(g, g, gates[g], n_a, T_b));
    }
  }
  const gradients: Entry[] = [
    bwdBuf('dx', 'dxt', b.dx, n_x),
    { key: cellKind ? 'da_prev' : 'da0', matrix: { data: b.da0, offset: 0, rows: n_a, cols: m } },
  ];
  // The gradient reaching c⟨0⟩ (the panel's totals and gradcheck have it): dc_prev of a cell, dc0 of a sequence.
  if (lstm && b.dc0) gradients.push({ key: cellKind ? 'dc_prev' : 'dc0', matrix: { data: b.dc0, offset: 0, rows: n_a, cols: m } });
  for (const k of lstm ? PARAM_GRADS_LSTM : PARAM_GRADS_RNN) {
    const data = b.grads[k];
    if (!data) throw new Error(`export: the run has no gradient ${k}`);
    const rows = n_a;
    gradients.push({ key: k, matrix: { data, offset: 0, rows, cols: data.length / rows } });
  }
  return { forward, backward, gradients };
}

/** The export as a sequence of text chunks (each about `chunkChars` long; their concatenation is the file). */
export function* exportChunks(result: ExportSource, opts: ExportOptions = {}): Generator<string> {
  const w = new Chunks(Math.max(1, opts.chunkChars ?? 65536));
  const { problem } = result;
  const { n_x, n_a, n_y, m, T_x } = problem.dims;
  const head = [
    `"format": ${JSON.stringify(EXPORT_FORMAT)}`,
    `"version": ${EXPORT_VERSION}`,
    `"kind": ${JSON.stringify(problem.kind)}`,
    `"dims": {"n_x": ${n_x}, "n_a": ${n_a}, "n_y": ${n_y}, "m": ${m}, "T_x": ${T_x}}`,
    `"fixture": ${JSON.stringify(problem.name)}`,
  ];
  const s = sectionsOf(result);
  w.push(`{\n  ${head.join(',\n  ')}`);
  for (const name of ['forward', 'backward', 'gradients'] as const) {
    w.push(`,\n  ${JSON.stringify(name)}: {`);
    const entries = s[name];
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      const key = JSON.stringify(e.key);
      w.push(`${k === 0 ? '' : ','}\n    ${key}: `);
      // Continuation lines align under the value's first bracket.
      const ind = ' '.repeat(4 + key.length + 2);
      if (e.seq) yield* seq3(w, e.seq.at, e.seq.n, e.seq.m, e.seq.T, ind);
      else if (e.matrix) yield* mat(w, e.matrix.data, e.matrix.offset, e.matrix.rows, e.matrix.cols, ind);
    }
    w.push('\n  }');
  }
  w.push('\n}\n');
  yield w.take();
}

/** Streams the export into `sink` chunk by chunk, awaiting it (back-pressure) when it returns a promise. */
export async function writeExport(result: ExportSource, sink: (chunk: string) => void | Promise<void>, opts?: ExportOptions): Promise<void> {
  for (const chunk of exportChunks(result, opts)) {
    const r = sink(chunk);
    if (r && typeof (r as Promise<void>).then === 'function') await r;
  }
}

/** The whole export as one string (small runs, CLI stdout, tests). */
export function exportToString(result: RunResult): string {
  let s = '';
  for (const chunk of exportChunks(result, { chunkChars: 1 << 20 })) s += chunk;
  return s;
}
