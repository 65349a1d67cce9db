/**
 * The weighted sums of the expanded equations (src/session/explain.ts): the matrix type, the sum
 * with its top terms and the rest, the number format, and the small helpers the forward and
 * backward expansions share. Pure and DOM-free.
 */

/** A row-major matrix, as the step payloads carry them. */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** One product of a weighted sum: `w · z`, with the names of both factors. */
export interface Term {
  /** e.g. `Wf[3,7]`. */
  wName: string;
  w: number;
  /** e.g. `a_prev[2,1]` or `xt[0,1]`. */
  zName: string;
  z: number;
  product: number;
}

export interface WeightedSum {
  /** e.g. `bf[3]`; absent for sums without a bias (da_prev, dxt). */
  biasName?: string;
  bias: number;
  /** The largest products by magnitude, largest first. */
  top: Term[];
  /** Sum of the other products (k order) and how many they are. */
  rest: number;
  restCount: number;
  /** bias + every product, summed in k order: the value the equation shows. */
  pre: number;
}

/** A factor of an elementwise equation, e.g. `ft[3,1] = 0.7831`. */
export interface Factor {
  name: string;
  value: number;
}

export interface Explanation {
  /** `ft[3,1]`. */
  target: string;
  /** The symbolic equation for this element, e.g. `σ(Σ_k Wf[3,k]·z[k,1] + bf[3])`. */
  equation: string;
  /** The weighted sum inside it, when there is one. */
  sum?: WeightedSum;
  /** Named values of an elementwise equation, in the equation's order. */
  factors: Factor[];
  /** The equation with the numbers, e.g. `σ(1.284) = 0.7831`. */
  numbers: string;
  /** The element's value as computed here from its inputs. */
  value: number;
}

/** One block of the summed index k: `W` columns `k0…` times the rows of `z` (or Wᵀ, see `transposed`). */
export interface SumPart {
  W: Mat;
  wName: string;
  z: Mat;
  zName: string;
  /** Use W's column i (Wᵀ·z, the backward sums) instead of its row i. */
  transposed?: boolean;
  /** Column of W where this block starts (the forward `[a_prev; xt]` concatenation). */
  k0?: number;
  /** Number of k in this block (defaults to z.rows). */
  n?: number;
}

export const at = (m: Mat, i: number, j: number) => m.data[i * m.cols + j];

/**
 * Σ_k W[i,k]·z[k,j] over the blocks (plus `bias[i]`), its `top` largest terms and the rest.
 * `top` terms are kept by |product| (ties: lower k first); NaN products rank first, so a
 * non-finite term is never hidden in the rest.
 */
export function weightedSum(parts: SumPart[], i: number, j: number, bias?: { b: Mat; name: string }, top = 5): WeightedSum {
  const terms: Term[] = [];
  let pre = bias ? at(bias.b, i, 0) : 0;
  for (const p of parts) {
    const n = p.n ?? p.z.rows;
    const k0 = p.k0 ?? 0;
    for (let k = 0; k < n; k++) {
      const wi = p.transposed ? k : i;
      const wk = p.transposed ? i : k0 + k;
      const w = at(p.W, wi, wk);
      const z = at(p.z, k, j);
      const product = w * z;
      pre += product;
      terms.push({ wName: `${p.wName}[${wi},${wk}]`, w, zName: `${p.zName}[${k},${j}]`, z, product });
    }
  }
  const mag = (t: Term) => (Number.isNaN(t.product) ? Infinity : Math.abs(t.product));
  const order = terms.map((_, k) => k).sort((a, b) => mag(terms[b]) - mag(terms[a]) || a - b);
  const keep = new Set(order.slice(0, top));
  let rest = 0;
  for (let k = 0; k < terms.length; k++) if (!keep.has(k)) rest += terms[k].product;
  return {
    ...(bias ? { biasName: `${bias.name}[${i}]` } : {}),
    bias: bias ? at(bias.b, i, 0) : 0,
    top: order.slice(0, top).map((k) => terms[k]),
    rest,
    restCount: terms.length - keep.size,
    pre,
  };
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Four significant digits, as the equations print numbers (the tooltip and table carry the full value). */
export function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = a >= 1e-4 && a < 1e6 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
  return s.replace(/-/g, '−');
}

/** The terms of a sum as display text: `bf[3] + Wf[3,2]·a_prev[2,1] (0.41·1.2 = 0.492) + … + 12 more (0.0031)`. */
export function sumText(s: WeightedSum): string[] {
  const lines: string[] = [];
  if (s.biasName !== undefined) lines.push(`${s.biasName} = ${num(s.bias)}`);
  for (const t of s.top) lines.push(`${t.wName}·${t.zName} = ${num(t.w)}·${num(t.z)} = ${num(t.product)}`);
  if (s.restCount > 0) lines.push(`the other ${s.restCount} term${s.restCount === 1 ? '' : 's'} sum to ${num(s.rest)}`);
  return lines;
}

/** Tensors of one step by name (forward: inputs and caches; backward: incoming gradients too), plus the parameters. */
export type Tensors = Readonly<Record<string, Mat | undefined>>;

/** An input the caller promised (see `canExplain`); missing means a bug in NEEDS. */
export const need = (ts: Tensors, name: string): Mat => {
  const m = ts[name];
  if (!m) throw new Error(`explain: ${name} is not in this step`);
  return m;
};

/** Element (i, j) of a step tensor as a named factor of an elementwise equation. */
export const f = (name: string, ts: Tensors, i: number, j: number): Factor => ({ name: `${name}[${i},${j}]`, value: at(need(ts, name), i, j) });

/** An element that is a weighted sum, optionally through an activation (`act`). */
export function ofSum(target: string, equation: string, sum: WeightedSum, act: 'σ' | 'tanh' | 'none', value: number): Explanation {
  const inner = act === 'none' ? '' : `${act}(${num(sum.pre)}) = `;
  return { target, equation, sum, factors: [], numbers: `${inner}${num(value)}`, value };
}

/** The transpose of a matrix (the batch-sum of a weight gradient runs over the rows of zᵀ). */
export function transpose(m: Mat): Mat {
  const data = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) data[j * m.rows + i] = m.data[i * m.cols + j];
  return { rows: m.cols, cols: m.rows, data };
}
