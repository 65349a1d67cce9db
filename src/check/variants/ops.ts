/**
 * The few NumPy operations the classic functions use, on 2-D row-major tensors, written plainly
 * (the variants are re-runs for a diagnosis, not the engine's fast path). Broadcasting as NumPy
 * does it for these functions: an `(n, 1)` or `(n,)` bias column added to every column.
 */
import { jsGemmNN } from '../../engine/kernels';
import type { Tensor } from '../types';

export function t2(rows: number, cols: number, data?: Float64Array): Tensor {
  return { shape: [rows, cols], data: data ?? new Float64Array(rows * cols) };
}

function rc(a: Tensor): [number, number] {
  return [a.shape[0] ?? 1, a.shape.length > 1 ? a.shape[1] : 1];
}

export function zerosLike(a: Tensor): Tensor {
  return { shape: [...a.shape], data: new Float64Array(a.data.length) };
}

/** A·B */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [n, k] = rc(a), [k2, m] = rc(b);
  if (k !== k2) throw new Error(`matmul: (${n}, ${k}) @ (${k2}, ${m})`);
  const out = t2(n, m);
  // The engine's plain-JavaScript product (four rows of the result at a time; the same sum order
  // over k as the textbook loop): twice as fast on the big re-runs of a diagnosis.
  jsGemmNN(n, m, k, a.data, 0, k, b.data, 0, m, out.data, 0, m, false);
  return out;
}

export function transpose(a: Tensor): Tensor {
  const [n, m] = rc(a);
  const out = t2(m, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out.data[j * n + i] = a.data[i * m + j];
  return out;
}

function zip(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  if (a.data.length === b.data.length) {
    const out = zerosLike(a);
    for (let i = 0; i < out.data.length; i++) out.data[i] = f(a.data[i], b.data[i]);
    return out;
  }
  // (n, m) with an (n, 1) / (n,) column: the column is broadcast along the rows' entries.
  const [big, col, swap] = a.data.length > b.data.length ? [a, b, false] : [b, a, true];
  const [n, m] = rc(big);
  if (col.data.length !== n) throw new Error(`cannot broadcast (${a.shape.join(', ')}) with (${b.shape.join(', ')})`);
  const out = zerosLike(big);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const x = big.data[i * m + j], y = col.data[i];
      out.data[i * m + j] = swap ? f(y, x) : f(x, y);
    }
  }
  return out;
}

export const add = (a: Tensor, b: Tensor): Tensor => zip(a, b, (x, y) => x + y);
export const sub = (a: Tensor, b: Tensor): Tensor => zip(a, b, (x, y) => x - y);
export const mul = (a: Tensor, b: Tensor): Tensor => zip(a, b, (x, y) => x * y);

export function map(a: Tensor, f: (x: number) => number): Tensor {
  const out = zerosLike(a);
  for (let i = 0; i < out.data.length; i++) out.data[i] = f(a.data[i]);
  return out;
}

export const tanh = (a: Tensor): Tensor => map(a, Math.tanh);
export const sigmoid = (a: Tensor): Tensor => map(a, (x) => 1 / (1 + Math.exp(-x)));
/** 1 - a², the derivative of tanh written from its output. */
export const oneMinusSq = (a: Tensor): Tensor => map(a, (x) => 1 - x * x);
/** a(1 - a), the derivative of the sigmoid written from its output. */
export const sigmoidGrad = (a: Tensor): Tensor => map(a, (x) => x * (1 - x));

/** Rows [a; b] (np.vstack). */
export function vstack(a: Tensor, b: Tensor): Tensor {
  const [, m] = rc(a);
  const out = t2(rc(a)[0] + rc(b)[0], m);
  out.data.set(a.data, 0);
  out.data.set(b.data, a.data.length);
  return out;
}

/** Rows r0 … r1-1. */
export function rows(a: Tensor, r0: number, r1: number): Tensor {
  const [, m] = rc(a);
  return t2(r1 - r0, m, a.data.slice(r0 * m, r1 * m));
}

/** Columns c0 … c1-1. */
export function cols(a: Tensor, c0: number, c1: number): Tensor {
  const [n, m] = rc(a);
  const out = t2(n, c1 - c0);
  for (let i = 0; i < n; i++) out.data.set(a.data.subarray(i * m + c0, i * m + c1), i * (c1 - c0));
  return out;
}

/** Sum over axis 1: `(n, 1)` with keepdims, else `(n,)`. */
export function sumCols(a: Tensor, keepdims: boolean): Tensor {
  const [n, m] = rc(a);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a.data[i * m + j];
    out[i] = s;
  }
  return { shape: keepdims ? [n, 1] : [n], data: out };
}

/** Softmax over axis 0 (each column: one example's classes) or axis 1 (each row, across the batch). */
export function softmax(z: Tensor, axis: 0 | 1): Tensor {
  const [n, m] = rc(z);
  const out = zerosLike(z);
  const lines = axis === 0 ? m : n, len = axis === 0 ? n : m;
  const at = (line: number, k: number) => (axis === 0 ? k * m + line : line * m + k);
  for (let l = 0; l < lines; l++) {
    let mx = -Infinity;
    for (let k = 0; k < len; k++) mx = Math.max(mx, z.data[at(l, k)]);
    let s = 0;
    for (let k = 0; k < len; k++) s += out.data[at(l, k)] = Math.exp(z.data[at(l, k)] - mx);
    for (let k = 0; k < len; k++) out.data[at(l, k)] /= s;
  }
  return out;
}

/** `(n, m)` steps → NumPy `(n, m, T)`. */
export function stackSteps(steps: readonly Tensor[]): Tensor {
  const T = steps.length;
  const [n, m] = rc(steps[0] ?? t2(0, 0));
  const shape = steps[0] ? [...steps[0].shape, T] : [0, 0, 0];
  const data = new Float64Array(n * m * T);
  steps.forEach((s, t) => {
    for (let q = 0; q < s.data.length; q++) data[q * T + t] = s.data[q];
  });
  return { shape, data };
}
