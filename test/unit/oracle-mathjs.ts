/**
 * A deliberately plain second implementation of the reference semantics, written with mathjs
 * matrices (nested arrays, math.multiply / transpose / dotMultiply) and one cell function per step,
 * exactly like rnn_reference.py. Used only as a test oracle on small shapes: it shares no code
 * with the engine.
 */
import { add, dotMultiply, map, multiply, transpose } from 'mathjs';
import type { NdArray, Problem } from '../../src/engine/types';

type M = number[][];

const sig = (z: M): M => map(z, (v: number) => 1 / (1 + Math.exp(-v))) as M;
const tanhM = (z: M): M => map(z, (v: number) => Math.tanh(v)) as M;
const oneMinusSq = (z: M): M => map(z, (v: number) => 1 - v * v) as M;
const oneMinus = (z: M): M => map(z, (v: number) => 1 - v) as M;
const mm = (a: M, b: M): M => multiply(a, b) as M;
const T = (a: M): M => transpose(a) as M;
const addBias = (z: M, b: M): M => z.map((row, i) => row.map((v) => v + b[i][0]));
const rowSum = (z: M): M => z.map((row) => [row.reduce((p, q) => p + q, 0)]);
const vstack = (a: M, b: M): M => [...a, ...b];

function softmax(z: M): M {
  const n = z.length, m = z[0].length;
  const out: M = z.map((r) => r.slice());
  for (let j = 0; j < m; j++) {
    let mx = -Infinity;
    for (let i = 0; i < n; i++) mx = Math.max(mx, z[i][j]);
    let s = 0;
    for (let i = 0; i < n; i++) { out[i][j] = Math.exp(z[i][j] - mx); s += out[i][j]; }
    for (let i = 0; i < n; i++) out[i][j] /= s;
  }
  return out;
}

function to2(a: NdArray): M {
  const [r, c] = a.shape;
  return Array.from({ length: r }, (_, i) => Array.from(a.data.subarray(i * c, (i + 1) * c)));
}
/** Step t of an (n, m, T) array. */
function stepOf(a: NdArray, t: number): M {
  const [n, m, TT] = a.shape;
  return Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => a.data[(i * m + j) * TT + t]));
}
/** Stack per-step (n, m) matrices into an (n, m, T) NdArray. */
function stack(steps: M[]): NdArray {
  const n = steps[0].length, m = steps[0][0].length, TT = steps.length;
  const data = new Float64Array(n * m * TT);
  steps.forEach((s, t) => s.forEach((row, i) => row.forEach((v, j) => { data[(i * m + j) * TT + t] = v; })));
  return { shape: [n, m, TT], data };
}
function flat(a: M): NdArray {
  return { shape: [a.length, a[0].length], data: Float64Array.from(a.flat()) };
}

export interface OracleResult {
  forward: Record<string, NdArray>;
  grads: Record<string, NdArray>;
}

export function oracleRun(p: Problem): OracleResult {
  const P: Record<string, M> = {};
  for (const [k, v] of Object.entries(p.parameters)) P[k] = to2(v as NdArray);
  const T_x = p.dims.T_x, T_b = p.da.shape[2];
  const xs = Array.from({ length: T_x }, (_, t) => stepOf(p.x, t));
  const das = Array.from({ length: T_b }, (_, t) => stepOf(p.da, t));
  const a0 = to2(p.a0);
  const zeros = (r: number, c: number): M => Array.from({ length: r }, () => new Array(c).fill(0));
  if (p.cell === 'rnn') {
    const as: M[] = [], ys: M[] = [];
    let h = a0;
    for (let t = 0; t < T_x; t++) {
      h = tanhM(addBias(add(mm(P.Wax, xs[t]), mm(P.Waa, h)) as M, P.ba));
      as.push(h);
      ys.push(softmax(addBias(mm(P.Wya, h), P.by)));
    }
    let dWax = zeros(P.Wax.length, P.Wax[0].length), dWaa = zeros(P.Waa.length, P.Waa[0].length), dba = zeros(P.ba.length, 1);
    let carry = zeros(a0.length, a0[0].length);
    const dx: M[] = new Array(T_b);
    for (let t = T_b - 1; t >= 0; t--) {
      const aPrev = t === 0 ? a0 : as[t - 1];
      const dtanh = dotMultiply(add(das[t], carry), oneMinusSq(as[t])) as M;
      dx[t] = mm(T(P.Wax), dtanh);
      carry = mm(T(P.Waa), dtanh);
      dWax = add(dWax, mm(dtanh, T(xs[t]))) as M;
      dWaa = add(dWaa, mm(dtanh, T(aPrev))) as M;
      dba = add(dba, rowSum(dtanh)) as M;
    }
    return {
      forward: { a: stack(as), y_pred: stack(ys) },
      grads: { dx: stack(dx), da0: flat(carry), dWax: flat(dWax), dWaa: flat(dWaa), dba: flat(dba) },
    };
  }
  const n_a = a0.length, m = a0[0].length;
  const c0 = p.c0 ? to2(p.c0) : zeros(n_a, m);
  const as: M[] = [], cs: M[] = [], ys: M[] = [], fts: M[] = [], its: M[] = [], ccts: M[] = [], ots: M[] = [];
  let h = a0, c = c0;
  for (let t = 0; t < T_x; t++) {
    const z = vstack(h, xs[t]);
    const ft = sig(addBias(mm(P.Wf, z), P.bf)), it = sig(addBias(mm(P.Wi, z), P.bi));
    const cct = tanhM(addBias(mm(P.Wc, z), P.bc)), ot = sig(addBias(mm(P.Wo, z), P.bo));
    c = add(dotMultiply(ft, c), dotMultiply(it, cct)) as M;
    h = dotMultiply(ot, tanhM(c)) as M;
    as.push(h); cs.push(c); fts.push(ft); its.push(it); ccts.push(cct); ots.push(ot);
    ys.push(softmax(addBias(mm(P.Wy, h), P.by)));
  }
  const g: Record<string, M> = {};
  for (const k of ['f', 'i', 'c', 'o']) { g[`dW${k}`] = zeros(n_a, P.Wf[0].length); g[`db${k}`] = zeros(n_a, 1); }
  let ca = zeros(n_a, m), cc = p.dcFinal ? to2(p.dcFinal) : zeros(n_a, m);
  const dx: M[] = new Array(T_b);
  for (let t = T_b - 1; t >= 0; t--) {
    const daN = add(das[t], ca) as M;
    const cPrev = t === 0 ? c0 : cs[t - 1], aPrev = t === 0 ? a0 : as[t - 1];
    const tc = tanhM(cs[t]);
    const dC = add(cc, dotMultiply(dotMultiply(daN, ots[t]), oneMinusSq(tc))) as M;
    const dot = dotMultiply(dotMultiply(dotMultiply(daN, tc), ots[t]), oneMinus(ots[t])) as M;
    const dcct = dotMultiply(dotMultiply(dC, its[t]), oneMinusSq(ccts[t])) as M;
    const dit = dotMultiply(dotMultiply(dotMultiply(dC, ccts[t]), its[t]), oneMinus(its[t])) as M;
    const dft = dotMultiply(dotMultiply(dotMultiply(dC, cPrev), fts[t]), oneMinus(fts[t])) as M;
    const z = vstack(aPrev, xs[t]);
    const dz = add(add(mm(T(P.Wf), dft), mm(T(P.Wi), dit)), add(mm(T(P.Wc), dcct), mm(T(P.Wo), dot))) as M;
    dx[t] = dz.slice(n_a);
    ca = dz.slice(0, n_a);
    cc = dotMultiply(dC, fts[t]) as M;
    for (const [k, d] of [['f', dft], ['i', dit], ['c', dcct], ['o', dot]] as const) {
      g[`dW${k}`] = add(g[`dW${k}`], mm(d, T(z))) as M;
      g[`db${k}`] = add(g[`db${k}`], rowSum(d)) as M;
    }
  }
  const grads: Record<string, NdArray> = { dx: stack(dx), da0: flat(ca), dc0: flat(cc) };
  for (const [k, v] of Object.entries(g)) grads[k] = flat(v);
  return {
    forward: { a: stack(as), y_pred: stack(ys), c: stack(cs), ft: stack(fts), it: stack(its), cct: stack(ccts), ot: stack(ots) },
    grads,
  };
}
