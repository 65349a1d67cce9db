/**
 * One element of a step explained by the numbers it came from: the cell's equation for that
 * element with the actual values in it. For a weighted sum (a gate's pre-activation, ŷ's logits,
 * da_prev / dxt) the bias, the largest terms `W[i,k]·z[k,j]` by magnitude and the rest summed,
 * such that bias + listed terms + rest is the pre-activation shown (the terms are summed in k
 * order, then regrouped only for display: the regrouping differs from the sum by rounding alone,
 * checked ≤ 1e-12 in test/unit/session-explain.test.ts). Elementwise equations (c_next, the gate
 * gradients) list their factors.
 *
 * Pure and DOM-free: the worker, the panel and the tests call it on row-major matrices.
 */

import { f, need, num, ofSum, sigmoid, weightedSum, type Explanation, type SumPart, type Tensors } from './explainSum';
import { explainLstmBackward, explainRnnBackward } from './explainBackward';

export * from './explainSum';
export { explainLstmBackward, explainRnnBackward, explainWeightGrad } from './explainBackward';

// ---------------------------------------------------------------------------------------------
// The cells' equations, per tensor of the step payloads (names as in src/session/steps.ts)

/**
 * The tensors (step tensors and parameters) explaining `name` needs, per cell and pass; a caller
 * that may lack some (the panel has no weights) checks them with `canExplain` first.
 */
const NEEDS: Record<string, Record<string, string[]>> = {
  'lstm:forward': {
    ft: ['a_prev', 'xt', 'Wf', 'bf'],
    it: ['a_prev', 'xt', 'Wi', 'bi'],
    cct: ['a_prev', 'xt', 'Wc', 'bc'],
    ot: ['a_prev', 'xt', 'Wo', 'bo'],
    c_next: ['ft', 'c_prev', 'it', 'cct'],
    a_next: ['ot', 'c_next'],
    yt_pred: ['a_next', 'Wy', 'by'],
    z_ft: ['a_prev', 'xt', 'Wf', 'bf'],
    z_it: ['a_prev', 'xt', 'Wi', 'bi'],
    z_cct: ['a_prev', 'xt', 'Wc', 'bc'],
    z_ot: ['a_prev', 'xt', 'Wo', 'bo'],
    z_y: ['a_next', 'Wy', 'by'],
  },
  'rnn:forward': {
    a_next: ['a_prev', 'xt', 'Waa', 'Wax', 'ba'],
    yt_pred: ['a_next', 'Wya', 'by'],
    z_a: ['a_prev', 'xt', 'Waa', 'Wax', 'ba'],
    z_y: ['a_next', 'Wya', 'by'],
  },
  'lstm:backward': {
    dot: ['da_next', 'c_next', 'ot'],
    dcct: ['da_next', 'dc_next', 'c_next', 'ot', 'it', 'cct'],
    dit: ['da_next', 'dc_next', 'c_next', 'ot', 'it', 'cct'],
    dft: ['da_next', 'dc_next', 'c_next', 'ot', 'ft', 'c_prev'],
    dc_prev: ['da_next', 'dc_next', 'c_next', 'ot', 'ft'],
    da_prev: ['Wf', 'Wi', 'Wc', 'Wo', 'dft', 'dit', 'dcct', 'dot'],
    dxt: ['Wf', 'Wi', 'Wc', 'Wo', 'dft', 'dit', 'dcct', 'dot'],
    dWf: ['dft', 'a_prev', 'xt'],
    dWi: ['dit', 'a_prev', 'xt'],
    dWc: ['dcct', 'a_prev', 'xt'],
    dWo: ['dot', 'a_prev', 'xt'],
    dbf: ['dft'],
    dbi: ['dit'],
    dbc: ['dcct'],
    dbo: ['dot'],
  },
  'rnn:backward': {
    dtanh: ['da_next', 'a_next'],
    da_prev: ['Waa', 'dtanh'],
    dxt: ['Wax', 'dtanh'],
    dWax: ['dtanh', 'xt'],
    dWaa: ['dtanh', 'a_prev'],
    dba: ['dtanh'],
  },
};

/** True when `ts` holds everything the expansion of `name` reads (false for tensors without one). */
export function canExplain(cell: 'rnn' | 'lstm', backward: boolean, name: string, ts: Tensors): boolean {
  const needs = NEEDS[`${cell}:${backward ? 'backward' : 'forward'}`][name];
  return needs !== undefined && needs.every((n) => ts[n] !== undefined);
}

/** Explains element (i, j) of tensor `name`, or undefined when it has no expansion or an input is missing. */
export function explain(cell: 'rnn' | 'lstm', backward: boolean, name: string, ts: Tensors, i: number, j: number): Explanation | undefined {
  if (!canExplain(cell, backward, name, ts)) return undefined;
  if (cell === 'lstm') return backward ? explainLstmBackward(name, ts, i, j) : explainLstmForward(name, ts, i, j);
  return backward ? explainRnnBackward(name, ts, i, j) : explainRnnForward(name, ts, i, j);
}

/** The `[a_prev; xt]` blocks of W·z for a gate with weights `W` (n_a × (n_a + n_x)). */
function zParts(ts: Tensors, W: string): SumPart[] {
  const a = need(ts, 'a_prev');
  return [
    { W: need(ts, W), wName: W, z: a, zName: 'a_prev', k0: 0 },
    { W: need(ts, W), wName: W, z: need(ts, 'xt'), zName: 'xt', k0: a.rows },
  ];
}

const GATES: Record<string, { W: string; b: string; act: 'σ' | 'tanh' }> = {
  ft: { W: 'Wf', b: 'bf', act: 'σ' },
  it: { W: 'Wi', b: 'bi', act: 'σ' },
  cct: { W: 'Wc', b: 'bc', act: 'tanh' },
  ot: { W: 'Wo', b: 'bo', act: 'σ' },
};

/** Explains element (i, j) of a forward tensor of an LSTM step, or undefined for a tensor without an equation (inputs). */
export function explainLstmForward(name: string, ts: Tensors, i: number, j: number): Explanation | undefined {
  const target = `${name}[${i},${j}]`;
  const gate = GATES[name];
  if (gate) {
    const sum = weightedSum(zParts(ts, gate.W), i, j, { b: need(ts, gate.b), name: gate.b });
    const value = gate.act === 'σ' ? sigmoid(sum.pre) : Math.tanh(sum.pre);
    return ofSum(target, `${gate.act}(Σ_k ${gate.W}[${i},k]·z[k,${j}] + ${gate.b}[${i}]),  z = [a_prev; xt]`, sum, gate.act, value);
  }
  if (name === 'c_next') {
    const [ft, cp, it, cct] = [f('ft', ts, i, j), f('c_prev', ts, i, j), f('it', ts, i, j), f('cct', ts, i, j)];
    const value = ft.value * cp.value + it.value * cct.value;
    return {
      target,
      equation: `ft[${i},${j}]·c_prev[${i},${j}] + it[${i},${j}]·cct[${i},${j}]`,
      factors: [ft, cp, it, cct],
      numbers: `${num(ft.value)}·${num(cp.value)} + ${num(it.value)}·${num(cct.value)} = ${num(value)}`,
      value,
    };
  }
  if (name === 'a_next') {
    const [ot, c] = [f('ot', ts, i, j), f('c_next', ts, i, j)];
    const value = ot.value * Math.tanh(c.value);
    return {
      target,
      equation: `ot[${i},${j}]·tanh(c_next[${i},${j}])`,
      factors: [ot, c],
      numbers: `${num(ot.value)}·tanh(${num(c.value)}) = ${num(ot.value)}·${num(Math.tanh(c.value))} = ${num(value)}`,
      value,
    };
  }
  if (name === 'yt_pred') return explainSoftmax(ts, 'Wy', i, j);
  const pre = PRE_OF[name];
  if (pre) {
    if (pre === 'yt_pred') return explainLogit(ts, 'Wy', i, j);
    const gate = GATES[pre];
    const sum = weightedSum(zParts(ts, gate.W), i, j, { b: need(ts, gate.b), name: gate.b });
    return ofSum(target, `Σ_k ${gate.W}[${i},k]·z[k,${j}] + ${gate.b}[${i}],  z = [a_prev; xt]  (${pre} = ${gate.act}(${name}))`, sum, 'none', sum.pre);
  }
  return undefined;
}

/** The pre-activation tensors (shown as cards of their own) and the tensor each one feeds. */
const PRE_OF: Record<string, string> = { z_ft: 'ft', z_it: 'it', z_cct: 'cct', z_ot: 'ot', z_y: 'yt_pred' };

/** The logit z_y[i,j] = Σ_k W[i,k]·a_next[k,j] + by[i] (before the softmax). */
function explainLogit(ts: Tensors, W: string, i: number, j: number): Explanation {
  const sum = weightedSum([{ W: need(ts, W), wName: W, z: need(ts, 'a_next'), zName: 'a_next' }], i, j, { b: need(ts, 'by'), name: 'by' });
  return ofSum(`z_y[${i},${j}]`, `Σ_k ${W}[${i},k]·a_next[k,${j}] + by[${i}]  (ŷ = softmax(z_y) over each column)`, sum, 'none', sum.pre);
}

/** ŷ[i,j] = softmax(Wy·a_next + by)[i,j]: the logit's sum, then the softmax over column j. */
function explainSoftmax(ts: Tensors, W: string, i: number, j: number): Explanation {
  const a = need(ts, 'a_next');
  const Wm = need(ts, W);
  const part: SumPart = { W: Wm, wName: W, z: a, zName: 'a_next' };
  const by = need(ts, 'by');
  const sum = weightedSum([part], i, j, { b: by, name: 'by' });
  // The column's logits, shifted by their max like the engine's softmax.
  const logits = Array.from({ length: Wm.rows }, (_, r) => weightedSum([part], r, j, { b: by, name: 'by' }, 0).pre);
  const max = Math.max(...logits);
  let den = 0;
  for (const l of logits) den += Math.exp(l - max);
  const value = Math.exp(sum.pre - max) / den;
  return {
    target: `yt_pred[${i},${j}]`,
    equation: `softmax over i of (Σ_k ${W}[i,k]·a_next[k,${j}] + by[i]), row ${i}`,
    sum,
    factors: [],
    numbers: `exp(${num(sum.pre)}) / Σ_i exp(logit_i) = ${num(value)}`,
    value,
  };
}

/** Explains element (i, j) of a forward tensor of an RNN step. */
export function explainRnnForward(name: string, ts: Tensors, i: number, j: number): Explanation | undefined {
  if (name === 'a_next') {
    const sum = weightedSum(rnnParts(ts), i, j, { b: need(ts, 'ba'), name: 'ba' });
    return ofSum(`a_next[${i},${j}]`, `tanh(Σ_k Waa[${i},k]·a_prev[k,${j}] + Σ_k Wax[${i},k]·xt[k,${j}] + ba[${i}])`, sum, 'tanh', Math.tanh(sum.pre));
  }
  if (name === 'yt_pred') return explainSoftmax(ts, 'Wya', i, j);
  if (name === 'z_a') {
    const sum = weightedSum(rnnParts(ts), i, j, { b: need(ts, 'ba'), name: 'ba' });
    return ofSum(`z_a[${i},${j}]`, `Σ_k Waa[${i},k]·a_prev[k,${j}] + Σ_k Wax[${i},k]·xt[k,${j}] + ba[${i}]  (a_next = tanh(z_a))`, sum, 'none', sum.pre);
  }
  if (name === 'z_y') return explainLogit(ts, 'Wya', i, j);
  return undefined;
}

/** The blocks of Waa·a_prev + Wax·xt, in the order the RNN's sums are taken. */
function rnnParts(ts: Tensors): SumPart[] {
  return [
    { W: need(ts, 'Waa'), wName: 'Waa', z: need(ts, 'a_prev'), zName: 'a_prev' },
    { W: need(ts, 'Wax'), wName: 'Wax', z: need(ts, 'xt'), zName: 'xt' },
  ];
}
