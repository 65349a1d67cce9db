/**
 * Faithful ports of the reference's NumPy functions, with its names, arguments and return shapes,
 * on NdArray (see rnn_reference.py). Thin wrappers over the fast core: they build a one-off
 * Problem and read the caches back into NumPy layout. Caches are opaque objects here.
 */

import { softmaxColumns } from './core';
import { nd, stepMajorToNd } from './layout';
import { PARAM_GRADS_LSTM } from './names';
import { backward, forward } from './run';
import type { CellType, ForwardCaches, LstmParameters, NdArray, Problem, RnnParameters } from './types';

type Params = Record<string, NdArray>;

export function sigmoid(z: NdArray): NdArray {
  const out = new Float64Array(z.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-z.data[i]));
  return { shape: [...z.shape], data: out };
}

/** Softmax over axis 0, each column (every index of the remaining axes) shifted by its own max. */
export function softmax(z: NdArray): NdArray {
  const n = z.shape[0] ?? 1;
  const rest = z.data.length / Math.max(1, n);
  const data = Float64Array.from(z.data);
  softmaxColumns(data, 0, n, rest);
  return { shape: [...z.shape], data };
}

function makeProblem(cell: CellType, x: NdArray, a0: NdArray, parameters: Params, da?: NdArray, c0?: NdArray, dcFinal?: NdArray): Problem {
  const [n_x, m, T_x] = x.shape.length === 3 ? x.shape : [x.shape[0], x.shape[1], 1];
  const n_a = a0.shape[0];
  const n_y = (cell === 'rnn' ? parameters.Wya : parameters.Wy).shape[0];
  const x3 = nd([n_x, m, T_x], x.data);
  return {
    kind: cell, cell, name: 'numpy-port', dims: { n_x, n_a, n_y, m, T_x },
    x: x3, a0, c0, parameters: parameters as unknown as RnnParameters | LstmParameters,
    da: da ? nd([n_a, m, da.shape.length === 3 ? da.shape[2] : 1], da.data) : nd([n_a, m, T_x]),
    daDefaulted: !da, dcFinal, warnings: [],
  };
}

function step(buf: Float64Array, n: number, m: number, t: number): NdArray {
  return nd([n, m], buf.slice(t * n * m, (t + 1) * n * m));
}

function col(b: Float64Array): NdArray {
  return nd([b.length, 1], Float64Array.from(b));
}

export interface RnnCellCache { a_next: NdArray; a_prev: NdArray; xt: NdArray; parameters: Params }
export interface LstmCellCache {
  a_next: NdArray; c_next: NdArray; a_prev: NdArray; c_prev: NdArray;
  ft: NdArray; it: NdArray; cct: NdArray; ot: NdArray; xt: NdArray; parameters: Params;
}
export interface SequenceCaches { problem: Problem; forward: ForwardCaches; x: NdArray }

export function rnn_cell_forward(xt: NdArray, a_prev: NdArray, parameters: Params): [NdArray, NdArray, RnnCellCache] {
  const p = makeProblem('rnn', xt, a_prev, parameters);
  const f = forward(p);
  const { n_a, n_y, m } = p.dims;
  const a_next = step(f.a, n_a, m, 0);
  return [a_next, step(f.y, n_y, m, 0), { a_next, a_prev, xt, parameters }];
}

export function rnn_forward(x: NdArray, a0: NdArray, parameters: Params): [NdArray, NdArray, SequenceCaches] {
  const p = makeProblem('rnn', x, a0, parameters);
  const f = forward(p);
  const { n_a, n_y, m, T_x } = p.dims;
  return [stepMajorToNd(f.a, n_a, m, T_x), stepMajorToNd(f.y, n_y, m, T_x), { problem: p, forward: f, x }];
}

export function rnn_cell_backward(da_next: NdArray, cache: RnnCellCache): Record<'dxt' | 'da_prev' | 'dWax' | 'dWaa' | 'dba', NdArray> {
  const p = makeProblem('rnn', cache.xt, cache.a_prev, cache.parameters, da_next);
  const b = backward(p, forward(p));
  const { n_x, n_a, m } = p.dims;
  return {
    dxt: nd([n_x, m], b.dx.slice()), da_prev: nd([n_a, m], b.da0.slice()),
    dWax: nd([n_a, n_x], b.grads.dWax.slice()), dWaa: nd([n_a, n_a], b.grads.dWaa.slice()), dba: col(b.grads.dba),
  };
}

export function rnn_backward(da: NdArray, caches: SequenceCaches): Record<'dx' | 'da0' | 'dWax' | 'dWaa' | 'dba', NdArray> {
  const p = { ...caches.problem, da, daDefaulted: false };
  const b = backward(p, caches.forward);
  const { n_x, n_a, m } = p.dims;
  return {
    dx: stepMajorToNd(b.dx, n_x, m, b.T_b), da0: nd([n_a, m], b.da0.slice()),
    dWax: nd([n_a, n_x], b.grads.dWax.slice()), dWaa: nd([n_a, n_a], b.grads.dWaa.slice()), dba: col(b.grads.dba),
  };
}

export function lstm_cell_forward(
  xt: NdArray, a_prev: NdArray, c_prev: NdArray, parameters: Params,
): [NdArray, NdArray, NdArray, LstmCellCache] {
  const p = makeProblem('lstm', xt, a_prev, parameters, undefined, c_prev);
  const f = forward(p);
  const { n_a, n_y, m } = p.dims;
  const g = (b: Float64Array) => step(b, n_a, m, 0);
  const a_next = g(f.a), c_next = g(f.c!);
  return [a_next, c_next, step(f.y, n_y, m, 0), {
    a_next, c_next, a_prev, c_prev, ft: g(f.ft!), it: g(f.it!), cct: g(f.cct!), ot: g(f.ot!), xt, parameters,
  }];
}

export function lstm_forward(x: NdArray, a0: NdArray, parameters: Params): [NdArray, NdArray, NdArray, SequenceCaches] {
  const p = makeProblem('lstm', x, a0, parameters);
  const f = forward(p);
  const { n_a, n_y, m, T_x } = p.dims;
  return [
    stepMajorToNd(f.a, n_a, m, T_x), stepMajorToNd(f.y, n_y, m, T_x), stepMajorToNd(f.c!, n_a, m, T_x),
    { problem: p, forward: f, x },
  ];
}


function lstmGrads(grads: Record<string, Float64Array>, n_a: number, n_z: number): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const k of PARAM_GRADS_LSTM) out[k] = k.startsWith('dW') ? nd([n_a, n_z], grads[k].slice()) : col(grads[k]);
  return out;
}

export function lstm_cell_backward(da_next: NdArray, dc_next: NdArray, cache: LstmCellCache): Record<string, NdArray> {
  const p = makeProblem('lstm', cache.xt, cache.a_prev, cache.parameters, da_next, cache.c_prev, dc_next);
  const b = backward(p, forward(p));
  const { n_x, n_a, m } = p.dims;
  return {
    dxt: nd([n_x, m], b.dx.slice()), da_prev: nd([n_a, m], b.da0.slice()), dc_prev: nd([n_a, m], b.dc0!.slice()),
    ...lstmGrads(b.grads, n_a, n_a + n_x),
  };
}

export function lstm_backward(da: NdArray, caches: SequenceCaches): Record<string, NdArray> {
  const p = { ...caches.problem, da, daDefaulted: false };
  const b = backward(p, caches.forward);
  const { n_x, n_a, m } = p.dims;
  return { dx: stepMajorToNd(b.dx, n_x, m, b.T_b), da0: nd([n_a, m], b.da0.slice()), ...lstmGrads(b.grads, n_a, n_a + n_x) };
}

