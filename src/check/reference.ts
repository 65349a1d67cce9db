/**
 * The reference every user output is compared with, computed by our engine (never by Python):
 * one `run()` of the fixture gives the forward caches (cell forward at step t is step t of the
 * sequence), the per-step da_next/dc_next reaching each step and the sequence gradients; the cell
 * backward at step t is computed from those caches (cellBackward.ts). Also the arrays
 * the harness builds the user's arguments from (`put` frames), so cell functions get reference
 * inputs at every step and a slip is found where it is.
 */
import { createRunner, daIsLazyOnes, daValues, run, stepMajorToNd, type NdArray, type Problem, type RunResult } from '../engine/index';
import { nd } from '../engine/layout';
import { CellBackwardReference } from './cellBackward';
import type { FunctionName, Tensor } from './types';

export interface Reference {
  problem: Problem;
  result: RunResult;
  /** Notes about fixture values the classic signatures cannot take. */
  notes: string[];
}

function isZero(a: NdArray | undefined): boolean {
  return !a || a.data.every((v) => v === 0);
}

/**
 * The classic `lstm_forward(x, a0, parameters)` starts its cell at zeros and `lstm_backward(da,
 * caches)` takes no dL/dc: a sequence fixture's `c0`/`dc` are set to zero for the check (and said).
 */
export function buildReference(problem: Problem, onProgress?: (what: string) => void, sliceMs = 250): Reference {
  const notes: string[] = [];
  // The harness hands da to the user's lstm_backward/rnn_backward: a fixture without da gets its
  // ones here (the check holds every step's caches, far more than da).
  let p = daIsLazyOnes(problem) ? { ...problem, da: daValues(problem) } : problem;
  if (problem.kind === 'lstm') {
    const { n_a, m } = problem.dims;
    if (!isZero(problem.c0)) notes.push(`${problem.name}: c0 is not zero, but lstm_forward(x, a0, parameters) starts from c = 0; checked from zeros`);
    if (!isZero(problem.dcFinal)) notes.push(`${problem.name}: dc is not zero, but lstm_backward(da, caches) takes no dL/dc; checked without it`);
    p = { ...p, c0: nd([n_a, m]), dcFinal: nd([n_a, m]) };
  }
  // The gate gradients of every step are not kept (262 MB on a 1000-step LSTM): the cell
  // backward's reference recomputes its step's from the caches (cellBackward.ts).
  if (!onProgress) return { problem: p, result: run(p, { keepGateGrads: false }), notes };
  // The same run in slices of a quarter second, saying how far it is (a 1000-step LSTM takes
  // seconds: the check streams progress from its start).
  const r = createRunner(p, { keepGateGrads: false });
  const { T_x } = p.dims, T_b = p.da.shape[2];
  while (!r.advance(sliceMs)) {
    onProgress(r.forwardDone < T_x ? `forward, ${r.forwardDone} of ${T_x} steps done` : `backward, ${r.backwardDone} of ${T_b} steps done`);
  }
  return { problem: p, result: { problem: p, forward: r.forward, backward: r.backward }, notes };
}

function slice(buf: Float64Array, t: number, rows: number, m: number): Tensor {
  const s = rows * m;
  return { shape: [rows, m], data: buf.slice(t * s, (t + 1) * s) };
}

function need(b: Float64Array | undefined, what: string): Float64Array {
  if (!b) throw new Error(`reference: the LSTM run has no ${what}`);
  return b;
}

/** The arrays the harness builds arguments from (see Store in harness.py): NumPy layout for the
 * sequence inputs, step-major (T, n, m) for the per-step caches so step t is one contiguous block. */
export function harnessArrays(ref: Reference): Array<[string, Tensor]> {
  const { problem: p, result: r } = ref;
  const { n_a, m, T_x } = p.dims;
  const T_b = r.backward.T_b;
  const sm = (b: Float64Array, T: number): Tensor => ({ shape: [T, n_a, m], data: b });
  const out: Array<[string, Tensor]> = [
    ['x', p.x], ['a0', p.a0], ['da', p.da], ['A', sm(r.forward.a, T_x)], ['DA', sm(r.backward.da, T_b)],
  ];
  for (const [k, v] of Object.entries(p.parameters)) out.push([`P_${k}`, v]);
  if (p.cell === 'lstm') {
    const f = r.forward;
    out.push(
      ['c0', p.c0 ?? nd([n_a, m])], ['C', sm(need(f.c, 'c'), T_x)], ['FT', sm(need(f.ft, 'ft'), T_x)],
      ['IT', sm(need(f.it, 'it'), T_x)], ['CCT', sm(need(f.cct, 'cct'), T_x)], ['OT', sm(need(f.ot, 'ot'), T_x)],
      ['DC', sm(need(r.backward.dc, 'dc'), T_b)],
    );
  }
  return out;
}

/** The classic inputs of a cell function at 0-based step t (for the variants: same as the harness builds). */
export interface CellInputs {
  xt: Tensor;
  a_prev: Tensor;
  c_prev?: Tensor;
  da_next?: Tensor;
  dc_next?: Tensor;
  /** The step's forward cache values (backward cells). */
  a_next?: Tensor;
  c_next?: Tensor;
  ft?: Tensor;
  it?: Tensor;
  cct?: Tensor;
  ot?: Tensor;
  parameters: Record<string, Tensor>;
}

export function cellInputs(ref: Reference, t: number): CellInputs {
  const { problem: p, result: r } = ref;
  const { n_x, n_a, m, T_x } = p.dims;
  const f = r.forward;
  const xt = new Float64Array(n_x * m);
  for (let q = 0; q < n_x * m; q++) xt[q] = p.x.data[q * T_x + t];
  const prev = (buf: Float64Array, first: NdArray): Tensor => (t === 0 ? { shape: [n_a, m], data: first.data.slice() } : slice(buf, t - 1, n_a, m));
  const inp: CellInputs = { xt: { shape: [n_x, m], data: xt }, a_prev: prev(f.a, p.a0), parameters: p.parameters, a_next: slice(f.a, t, n_a, m) };
  if (t < r.backward.T_b) inp.da_next = slice(r.backward.da, t, n_a, m);
  if (p.cell === 'lstm') {
    inp.c_prev = prev(need(f.c, 'c'), p.c0 ?? nd([n_a, m]));
    inp.c_next = slice(need(f.c, 'c'), t, n_a, m);
    inp.ft = slice(need(f.ft, 'ft'), t, n_a, m);
    inp.it = slice(need(f.it, 'it'), t, n_a, m);
    inp.cct = slice(need(f.cct, 'cct'), t, n_a, m);
    inp.ot = slice(need(f.ot, 'ot'), t, n_a, m);
    if (t < r.backward.T_b) inp.dc_next = slice(need(r.backward.dc, 'dc'), t, n_a, m);
  }
  return inp;
}

/** Reference outputs of a cell function at 0-based step t, by output name. */
export function cellReference(ref: Reference, fn: FunctionName, t: number): Map<string, Tensor> {
  const { problem: p, result: r } = ref;
  const { n_a, n_y, m } = p.dims;
  const f = r.forward;
  const out = new Map<string, Tensor>();
  if (fn === 'rnn_cell_forward' || fn === 'lstm_cell_forward') {
    if (fn === 'lstm_cell_forward') {
      out.set('ft', slice(need(f.ft, 'ft'), t, n_a, m)).set('it', slice(need(f.it, 'it'), t, n_a, m));
      out.set('cct', slice(need(f.cct, 'cct'), t, n_a, m)).set('ot', slice(need(f.ot, 'ot'), t, n_a, m));
      out.set('c_next', slice(need(f.c, 'c'), t, n_a, m));
    }
    out.set('a_next', slice(f.a, t, n_a, m)).set('yt_pred', slice(f.y, t, n_y, m));
    return out;
  }
  let cb = cellBackwards.get(ref);
  if (!cb) {
    cb = new CellBackwardReference(ref);
    cellBackwards.set(ref, cb);
  }
  return cb.at(t);
}

/** One per reference: its workspace holds the stacked weights, built once for all steps. */
const cellBackwards = new WeakMap<Reference, CellBackwardReference>();

/** Reference outputs of a sequence function, NumPy layout (sequences `(n, m, T)`), by output name. */
export function sequenceReference(ref: Reference, fn: FunctionName): Map<string, Tensor> {
  const { problem: p, result: r } = ref;
  const { n_x, n_a, n_y, m, T_x } = p.dims;
  const f = r.forward, b = r.backward;
  const out = new Map<string, Tensor>();
  if (fn === 'rnn_forward') {
    out.set('a', stepMajorToNd(f.a, n_a, m, T_x)).set('y_pred', stepMajorToNd(f.y, n_y, m, T_x));
  } else if (fn === 'lstm_forward') {
    out.set('c', stepMajorToNd(need(f.c, 'c'), n_a, m, T_x)).set('a', stepMajorToNd(f.a, n_a, m, T_x));
    out.set('y', stepMajorToNd(f.y, n_y, m, T_x));
  } else {
    out.set('dx', stepMajorToNd(b.dx, n_x, m, b.T_b)).set('da0', { shape: [n_a, m], data: b.da0.slice() });
    for (const [k, v] of Object.entries(b.grads)) {
      const isBias = k.startsWith('db');
      const cols = isBias ? 1 : v.length / n_a;
      out.set(k, { shape: [n_a, cols], data: v.slice() });
    }
  }
  return out;
}
