/**
 * The eight classic functions written plainly, with each decision a slip can change behind a
 * named hook (`Recipe`). `CORRECT` is the right recipe (it equals the engine: tested); a catalogue
 * variant replaces one or two hooks with the slipped version, so a user's cell slip also flows
 * into their sequence function exactly as in their code.
 */
import { PARAM_GRADS_LSTM, PARAM_GRADS_RNN } from '../../engine/names';
import type { Tensor } from '../types';
import {
  add, matmul, mul, oneMinusSq, rows, sigmoid, sigmoidGrad, softmax, stackSteps, sumCols, t2, tanh, transpose, vstack,
  zerosLike,
} from './ops';

export type Params = Record<string, Tensor>;
export type Gate = 'f' | 'i' | 'c' | 'o';

/** Everything the LSTM cell backward has at hand, plus what the correct one computes first. */
export interface LstmBackState {
  daNext: Tensor;
  dcNext: Tensor;
  ft: Tensor;
  it: Tensor;
  cct: Tensor;
  ot: Tensor;
  cNext: Tensor;
  cPrev: Tensor;
  /** tanh(c_next) */
  tanhC: Tensor;
  /** dc_next + da_next·ot·(1 - tanh²(c_next)): all the gradient reaching c_next. */
  dcTotal: Tensor;
}

export interface Recipe {
  initialHidden(a0: Tensor): Tensor;
  rnnPre(p: Params, xt: Tensor, aPrev: Tensor): Tensor;
  rnnAct(pre: Tensor): Tensor;
  concat(aPrev: Tensor, xt: Tensor): Tensor;
  gatePre(W: Tensor, b: Tensor, z: Tensor, gate: Gate): Tensor;
  gateAct(pre: Tensor, gate: Gate): Tensor;
  cellState(ft: Tensor, it: Tensor, cct: Tensor, cPrev: Tensor): Tensor;
  hidden(ot: Tensor, cNext: Tensor): Tensor;
  logits(Wy: Tensor, by: Tensor, aNext: Tensor, aPrev: Tensor): Tensor;
  softmax(z: Tensor): Tensor;
  rnnDpre(daNext: Tensor, aNext: Tensor): Tensor;
  /** All the gradient reaching c_next: dc_next + da_next·ot·(1 - tanh²(c_next)). */
  dcTotal(daNext: Tensor, dcNext: Tensor, ot: Tensor, tanhC: Tensor): Tensor;
  dot(s: LstmBackState): Tensor;
  dcct(s: LstmBackState): Tensor;
  dit(s: LstmBackState): Tensor;
  dft(s: LstmBackState): Tensor;
  /** da_prev and dxt out of dz = Σ W_gᵀ·d_g (rows [a_prev; x] of the stacked W). */
  splitDz(dz: Tensor, n_a: number, n_x: number): { da_prev: Tensor; dxt: Tensor };
  paramGrad(d: Tensor, input: Tensor): Tensor;
  biasGrad(d: Tensor): Tensor;
  upstream(daT: Tensor, carry: Tensor): Tensor;
  dcCarry(dcPrev: Tensor): Tensor;
  timeOrder(T: number): number[];
}

export const CORRECT: Recipe = {
  initialHidden: (a0) => a0,
  rnnPre: (p, xt, aPrev) => add(add(matmul(p.Wax, xt), matmul(p.Waa, aPrev)), p.ba),
  rnnAct: tanh,
  concat: (aPrev, xt) => vstack(aPrev, xt),
  gatePre: (W, b, z) => add(matmul(W, z), b),
  gateAct: (pre, gate) => (gate === 'c' ? tanh(pre) : sigmoid(pre)),
  cellState: (ft, it, cct, cPrev) => add(mul(ft, cPrev), mul(it, cct)),
  hidden: (ot, cNext) => mul(ot, tanh(cNext)),
  logits: (Wy, by, aNext) => add(matmul(Wy, aNext), by),
  softmax: (z) => softmax(z, 0),
  rnnDpre: (daNext, aNext) => mul(daNext, oneMinusSq(aNext)),
  dcTotal: (daNext, dcNext, ot, tanhC) => add(dcNext, mul(mul(daNext, ot), oneMinusSq(tanhC))),
  dot: (s) => mul(mul(s.daNext, s.tanhC), sigmoidGrad(s.ot)),
  dcct: (s) => mul(mul(s.dcTotal, s.it), oneMinusSq(s.cct)),
  dit: (s) => mul(mul(s.dcTotal, s.cct), sigmoidGrad(s.it)),
  dft: (s) => mul(mul(s.dcTotal, s.cPrev), sigmoidGrad(s.ft)),
  splitDz: (dz, n_a) => ({ da_prev: rows(dz, 0, n_a), dxt: rows(dz, n_a, dz.shape[0]) }),
  paramGrad: (d, input) => matmul(d, transpose(input)),
  biasGrad: (d) => sumCols(d, true),
  upstream: (daT, carry) => add(daT, carry),
  dcCarry: (dcPrev) => dcPrev,
  timeOrder: (T) => Array.from({ length: T }, (_, t) => T - 1 - t),
};

const GATES: readonly Gate[] = ['f', 'i', 'c', 'o'];
type Outputs = Map<string, Tensor>;

export function rnnCellForward(r: Recipe, xt: Tensor, aPrev: Tensor, p: Params): Outputs {
  const aNext = r.rnnAct(r.rnnPre(p, xt, aPrev));
  const y = r.softmax(r.logits(p.Wya, p.by, aNext, aPrev));
  return new Map([['a_next', aNext], ['yt_pred', y]]);
}

export function lstmCellForward(r: Recipe, xt: Tensor, aPrev: Tensor, cPrev: Tensor, p: Params): Outputs {
  const z = r.concat(aPrev, xt);
  const g = Object.fromEntries(GATES.map((k) => [k, r.gateAct(r.gatePre(p[`W${k}`], p[`b${k}`], z, k), k)]));
  const cNext = r.cellState(g.f, g.i, g.c, cPrev);
  const aNext = r.hidden(g.o, cNext);
  const y = r.softmax(r.logits(p.Wy, p.by, aNext, aPrev));
  return new Map([['ft', g.f], ['it', g.i], ['cct', g.c], ['ot', g.o], ['c_next', cNext], ['a_next', aNext], ['yt_pred', y]]);
}

function get(m: Outputs, k: string): Tensor {
  const v = m.get(k);
  if (!v) throw new Error(`classic: no ${k}`);
  return v;
}

/** x `(n_x, m, T)`; runs the first `steps` steps (all by default). */
export function rnnForward(r: Recipe, x: Tensor, a0: Tensor, p: Params, steps = x.shape[2]): Outputs {
  let a = r.initialHidden(a0);
  const as: Tensor[] = [], ys: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const o = rnnCellForward(r, stepOf(x, t), a, p);
    a = get(o, 'a_next');
    as.push(a);
    ys.push(get(o, 'yt_pred'));
  }
  return new Map([['a', stackSteps(as)], ['y_pred', stackSteps(ys)]]);
}

export function lstmForward(r: Recipe, x: Tensor, a0: Tensor, p: Params, steps = x.shape[2]): Outputs {
  let a = r.initialHidden(a0);
  let c = zerosLike(a0);
  const as: Tensor[] = [], cs: Tensor[] = [], ys: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const o = lstmCellForward(r, stepOf(x, t), a, c, p);
    a = get(o, 'a_next');
    c = get(o, 'c_next');
    as.push(a);
    cs.push(c);
    ys.push(get(o, 'yt_pred'));
  }
  return new Map([['c', stackSteps(cs)], ['a', stackSteps(as)], ['y', stackSteps(ys)]]);
}

export function stepOf(x: Tensor, t: number): Tensor {
  const [n, m, T] = x.shape;
  const out = t2(n, m);
  for (let q = 0; q < n * m; q++) out.data[q] = x.data[q * T + t];
  return out;
}

export interface RnnCache { aNext: Tensor; aPrev: Tensor; xt: Tensor; p: Params }
export interface LstmCache extends RnnCache { cNext: Tensor; cPrev: Tensor; ft: Tensor; it: Tensor; cct: Tensor; ot: Tensor }

export function rnnCellBackward(r: Recipe, daNext: Tensor, c: RnnCache): Outputs {
  const d = r.rnnDpre(daNext, c.aNext);
  return new Map([
    ['dxt', matmul(transpose(c.p.Wax), d)], ['da_prev', matmul(transpose(c.p.Waa), d)],
    ['dWax', r.paramGrad(d, c.xt)], ['dWaa', r.paramGrad(d, c.aPrev)], ['dba', r.biasGrad(d)],
  ]);
}

export function lstmCellBackward(r: Recipe, daNext: Tensor, dcNext: Tensor, c: LstmCache): Outputs {
  const tanhC = tanh(c.cNext);
  const dcTotal = r.dcTotal(daNext, dcNext, c.ot, tanhC);
  const s: LstmBackState = { daNext, dcNext, ft: c.ft, it: c.it, cct: c.cct, ot: c.ot, cNext: c.cNext, cPrev: c.cPrev, tanhC, dcTotal };
  const d: Record<Gate, Tensor> = { f: r.dft(s), i: r.dit(s), c: r.dcct(s), o: r.dot(s) };
  const n_a = c.aPrev.shape[0], n_x = c.xt.shape[0];
  let dz = t2(n_a + n_x, c.xt.shape[1]);
  for (const g of GATES) dz = add(dz, matmul(transpose(c.p[`W${g}`]), d[g]));
  const { da_prev, dxt } = r.splitDz(dz, n_a, n_x);
  const z = r.concat(c.aPrev, c.xt);
  const out: Outputs = new Map([['dxt', dxt], ['da_prev', da_prev], ['dc_prev', mul(dcTotal, c.ft)]]);
  for (const g of GATES) out.set(`dW${g}`, r.paramGrad(d[g], z)).set(`db${g}`, r.biasGrad(d[g]));
  return out;
}

/** Adds b into the running sum a (the shape of the first term wins, as `+=` on a fresh array would). */
function accumulate(sums: Outputs, k: string, v: Tensor): void {
  const s = sums.get(k);
  sums.set(k, s ? add(s, v) : v);
}

/** One step of a BPTT loop: the 0-based step and its cell backward's outputs. */
interface BackStep {
  t: number;
  grads: Outputs;
}

/**
 * The BPTT loop over da `(n_a, m, T_b)` in the recipe's time order, one step at a time, so a
 * caller may stop early (a diagnosis on the first steps of a big problem computes only those).
 */
function* bptt(r: Recipe, da: Tensor, cellBack: (daNext: Tensor, dcNext: Tensor, t: number) => Outputs): Generator<BackStep> {
  const [n_a, m, T] = da.shape;
  let carry = t2(n_a, m), carryC = t2(n_a, m);
  for (const t of r.timeOrder(T)) {
    const g = cellBack(r.upstream(stepOf(da, t), carry), carryC, t);
    yield { t, grads: g };
    carry = get(g, 'da_prev');
    const dc = g.get('dc_prev');
    if (dc) carryC = r.dcCarry(dc);
  }
}

function sequenceBackward(
  r: Recipe, da: Tensor, cellBack: (daNext: Tensor, dcNext: Tensor, t: number) => Outputs, grads: readonly string[], n_x: number,
): Outputs {
  const [, m, T] = da.shape;
  const dx: Tensor[] = new Array<Tensor>(T).fill(t2(n_x, m));
  const sums: Outputs = new Map();
  let last: Outputs | null = null;
  for (const { t, grads: g } of bptt(r, da, cellBack)) {
    dx[t] = get(g, 'dxt');
    for (const k of grads) accumulate(sums, k, get(g, k));
    last = g;
  }
  const out: Outputs = new Map([['dx', stackSteps(dx)], ['da0', last ? get(last, 'da_prev') : t2(da.shape[0], m)]]);
  for (const k of grads) out.set(k, get(sums, k));
  return out;
}

/** The step's classic cache, built when the loop reaches it (a big problem's are not all kept). */
export type CacheOf<C> = (t: number) => C;

export function rnnBackward(r: Recipe, da: Tensor, cacheOf: CacheOf<RnnCache>, n_x: number): Outputs {
  return sequenceBackward(r, da, (daNext, _dc, t) => rnnCellBackward(r, daNext, cacheOf(t)), PARAM_GRADS_RNN, n_x);
}

export function lstmBackward(r: Recipe, da: Tensor, cacheOf: CacheOf<LstmCache>, n_x: number): Outputs {
  return sequenceBackward(r, da, (daNext, dcNext, t) => lstmCellBackward(r, daNext, dcNext, cacheOf(t)), PARAM_GRADS_LSTM, n_x);
}

/**
 * The first `limit` steps of the recipe's BPTT loop (in its own time order): each computed step's
 * cell backward outputs, by 0-based step. What a sequence backward too big to re-run whole is
 * diagnosed on.
 */
export function backwardFirstSteps(
  r: Recipe, da: Tensor, cell: 'rnn' | 'lstm', cacheOf: CacheOf<LstmCache>, limit: number,
): Map<number, Outputs> {
  const out = new Map<number, Outputs>();
  const cellBack = (daNext: Tensor, dcNext: Tensor, t: number): Outputs =>
    cell === 'rnn' ? rnnCellBackward(r, daNext, cacheOf(t)) : lstmCellBackward(r, daNext, dcNext, cacheOf(t));
  if (limit < 1) return out;
  for (const { t, grads } of bptt(r, da, cellBack)) {
    out.set(t, grads);
    if (out.size >= limit) break;
  }
  return out;
}
