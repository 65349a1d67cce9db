/** Conversions between NumPy layout `(n, m, T)` (NdArray) and the engine's step-major `(T, n, m)`. */

import type { NdArray } from './types';

/** A shape as NumPy prints it: `(3,)`, `(5, 10, 4)`; an axis not known is `?`. The one copy. */
export function numpyShape(shape: readonly (number | undefined)[]): string {
  const parts = shape.map((d) => (d === undefined ? '?' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

/** Step-major `(T, n, m)` buffer → NumPy-layout NdArray `(n, m, T)`. */
export function stepMajorToNd(buf: Float64Array, n: number, m: number, T: number): NdArray {
  const data = new Float64Array(n * m * T);
  const nm = n * m;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const dst = (i * m + j) * T, src = i * m + j;
      for (let t = 0; t < T; t++) data[dst + t] = buf[t * nm + src];
    }
  }
  return { shape: [n, m, T], data };
}

/** NumPy-layout NdArray `(n, m, T)` → step-major `(T, n, m)` buffer. */
export function ndToStepMajor(a: NdArray): Float64Array {
  if (a.shape.length !== 3) throw new Error(`ndToStepMajor expects a 3-D array, got shape (${a.shape.join(', ')})`);
  const [n, m, T] = a.shape;
  const out = new Float64Array(n * m * T);
  const nm = n * m;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const src = (i * m + j) * T, dst = i * m + j;
      for (let t = 0; t < T; t++) out[t * nm + dst] = a.data[src + t];
    }
  }
  return out;
}

export function nd(shape: number[], data?: Float64Array): NdArray {
  const size = shape.reduce((p, d) => p * d, 1);
  if (data && data.length !== size) throw new Error(`data length ${data.length} does not match shape (${shape.join(', ')})`);
  return { shape, data: data ?? new Float64Array(size) };
}

/**
 * A fixture without `da` runs on ones (L = Σ a). At T = 10,000 of the issue-13 LSTM those ones
 * would be 655 MB, so they are not held: the problem's `da` has its shape, `daDefaulted` is true
 * and `da.data` is empty. The backward passes read such a da as ones without holding it; callers
 * that want the numbers themselves (the gradient check, the check's reference) use `daValues`.
 */
export function lazyOnesDa(n_a: number, m: number, T: number): NdArray {
  return { shape: [n_a, m, T], data: new Float64Array(0) };
}

/** Whether `p.da` is the ones of a fixture without da, not held (see `lazyOnesDa`). */
export function daIsLazyOnes(p: { da: NdArray; daDefaulted: boolean }): boolean {
  return p.daDefaulted && p.da.data.length === 0 && p.da.shape.every((d) => d >= 1);
}

/** `p.da` with its numbers: the ones made now when they are not held, else `p.da` itself. */
export function daValues(p: { da: NdArray; daDefaulted: boolean }): NdArray {
  if (!daIsLazyOnes(p)) return p.da;
  const size = p.da.shape.reduce((a, d) => a * d, 1);
  return { shape: [...p.da.shape], data: new Float64Array(size).fill(1) };
}
