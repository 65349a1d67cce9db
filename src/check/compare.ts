/**
 * NumPy's allclose rule, element by element: |mine - ref| <= atol + rtol * |ref| (NaN never
 * matches, equal infinities do), shapes first. Finds the first mismatching element in the order
 * the plan gives, and every step where something diverges.
 */
import type { FirstDivergence, JsonNumber, Tensor } from './types';

export interface Tolerance {
  rtol: number;
  atol: number;
}

export function close(mine: number, ref: number, tol: Tolerance): boolean {
  if (mine === ref) return true;
  // As np.isclose: an infinity is close only to the same infinity (else inf <= rtol*inf holds).
  if (!Number.isFinite(mine) || !Number.isFinite(ref)) return false;
  return Math.abs(mine - ref) <= tol.atol + tol.rtol * Math.abs(ref);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Offsets of the elements outside the tolerance (at most `limit`). */
export function mismatches(mine: Float64Array, ref: Float64Array, tol: Tolerance, limit = Infinity): number[] {
  const out: number[] = [];
  for (let i = 0; i < ref.length && out.length < limit; i++) if (!close(mine[i], ref[i], tol)) out.push(i);
  return out;
}

export function json(v: number): JsonNumber {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return v;
}

/** Row-major offset → NumPy index. */
export function unravel(offset: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = offset % shape[k];
    offset = Math.floor(offset / shape[k]);
  }
  return idx;
}

export function shapeDivergence(tensor: string, step: number | null, mine: readonly number[], ref: readonly number[]): FirstDivergence {
  return {
    tensor, step, index: null, mine: null, reference: null, abs_err: null, rel_err: null,
    shape_mine: [...mine], shape_reference: [...ref],
  };
}

export function valueDivergence(
  tensor: string, step: number | null, index: number[], mine: number, ref: number, shape: readonly number[],
): FirstDivergence {
  const abs = Math.abs(mine - ref);
  return {
    tensor, step, index, mine: json(mine), reference: json(ref), abs_err: json(abs),
    rel_err: ref === 0 ? null : json(abs / Math.abs(ref)), shape_mine: [...shape], shape_reference: [...shape],
  };
}

/** Step t (0-based) of a NumPy-layout `(n, m, T)` tensor as a row-major `(n, m)` slice. */
export function stepSlice(a: Tensor, t: number): Tensor {
  const [n, m, T] = a.shape;
  const out = new Float64Array(n * m);
  for (let q = 0; q < n * m; q++) out[q] = a.data[q * T + t];
  return { shape: [n, m], data: out };
}

/**
 * Worst ratio |mine - ref| / (atol + rtol |ref|) over all elements (≤ 1 means allclose; Infinity
 * for a shape difference or NaN): how far a variant is from the user's numbers, to rank variants.
 */
export function worstRatio(mine: Tensor, ref: Tensor, tol: Tolerance): number {
  if (!sameShape(mine.shape, ref.shape)) return Infinity;
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const a = mine.data[i], b = ref.data[i];
    if (a === b) continue;
    const r = Math.abs(a - b) / (tol.atol + tol.rtol * Math.abs(b));
    if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
    if (r > worst) worst = r;
    else if (Number.isNaN(r)) return Infinity;
  }
  return worst;
}
