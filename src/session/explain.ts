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

const at = (m: Mat, i: number, j: number) => m.data[i * m.cols + j];

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

// ---------------------------------------------------------------------------------------------
// The cells' equations, per tensor of the step payloads (names as in src/session/steps.ts)

/** Tensors of one step by name (forward: inputs and caches; backward: incoming gradients too), plus the parameters. */
export type Tensors = Readonly<Record<string, Mat | undefined>>;

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
  },
  'rnn:forward': { a_next: ['a_prev', 'xt', 'Waa', 'Wax', 'ba'], yt_pred: ['a_next', 'Wya', 'by'] },
  'lstm:backward': {
    dot: ['da_next', 'c_next', 'ot'],
    dcct: ['da_next', 'dc_next', 'c_next', 'ot', 'it', 'cct'],
    dit: ['da_next', 'dc_next', 'c_next', 'ot', 'it', 'cct'],
    dft: ['da_next', 'dc_next', 'c_next', 'ot', 'ft', 'c_prev'],
    dc_prev: ['da_next', 'dc_next', 'c_next', 'ot', 'ft'],
    da_prev: ['Wf', 'Wi', 'Wc', 'Wo', 'dft', 'dit', 'dcct', 'dot'],
    dxt: ['Wf', 'Wi', 'Wc', 'Wo', 'dft', 'dit', 'dcct', 'dot'],
  },
  'rnn:backward': { dtanh: ['da_next', 'a_next'], da_prev: ['Waa', 'dtanh'], dxt: ['Wax', 'dtanh'] },
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

/** An input the caller promised (see `canExplain`); missing means a bug in NEEDS. */
const need = (ts: Tensors, name: string): Mat => {
  const m = ts[name];
  if (!m) throw new Error(`explain: ${name} is not in this step`);
  return m;
};

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

const f = (name: string, ts: Tensors, i: number, j: number): Factor => ({ name: `${name}[${i},${j}]`, value: at(need(ts, name), i, j) });

function ofSum(target: string, equation: string, sum: WeightedSum, act: 'σ' | 'tanh' | 'none', value: number): Explanation {
  const inner = act === 'none' ? '' : `${act}(${num(sum.pre)}) = `;
  return { target, equation, sum, factors: [], numbers: `${inner}${num(value)}`, value };
}

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
  return undefined;
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
    const parts: SumPart[] = [
      { W: need(ts, 'Waa'), wName: 'Waa', z: need(ts, 'a_prev'), zName: 'a_prev' },
      { W: need(ts, 'Wax'), wName: 'Wax', z: need(ts, 'xt'), zName: 'xt' },
    ];
    const sum = weightedSum(parts, i, j, { b: need(ts, 'ba'), name: 'ba' });
    return ofSum(`a_next[${i},${j}]`, `tanh(Σ_k Waa[${i},k]·a_prev[k,${j}] + Σ_k Wax[${i},k]·xt[k,${j}] + ba[${i}])`, sum, 'tanh', Math.tanh(sum.pre));
  }
  if (name === 'yt_pred') return explainSoftmax(ts, 'Wya', i, j);
  return undefined;
}

/** dC = dc_next + da_next·ot·(1 − tanh²(c_next)): the gradient reaching the cell state, element (i, j). */
function dC(ts: Tensors, i: number, j: number): number {
  const tc = Math.tanh(at(need(ts, 'c_next'), i, j));
  return at(need(ts, 'dc_next'), i, j) + at(need(ts, 'da_next'), i, j) * at(need(ts, 'ot'), i, j) * (1 - tc * tc);
}

/**
 * Explains element (i, j) of a backward tensor of an LSTM step. `ts` holds the step's backward
 * tensors and the forward caches of the same t (ft, it, cct, ot, c_prev, c_next) and the parameters.
 */
export function explainLstmBackward(name: string, ts: Tensors, i: number, j: number): Explanation | undefined {
  const target = `${name}[${i},${j}]`;
  const g = (n: string) => at(need(ts, n), i, j);
  const dc = dC(ts, i, j);
  const dCf: Factor = { name: `dC[${i},${j}]`, value: dc };
  const elementwise = (equation: string, factors: Factor[], value: number, shown: string): Explanation => ({
    target,
    equation,
    factors,
    numbers: `${shown} = ${num(value)}`,
    value,
  });
  switch (name) {
    case 'dot': {
      const [da, c, ot] = [g('da_next'), g('c_next'), g('ot')];
      const v = da * Math.tanh(c) * ot * (1 - ot);
      return elementwise('da_next·tanh(c_next)·ot·(1 − ot)', [f('da_next', ts, i, j), f('c_next', ts, i, j), f('ot', ts, i, j)], v, `${num(da)}·${num(Math.tanh(c))}·${num(ot)}·${num(1 - ot)}`);
    }
    case 'dcct': {
      const [it, cct] = [g('it'), g('cct')];
      const v = dc * it * (1 - cct * cct);
      return elementwise('dC·it·(1 − cct²)', [dCf, f('it', ts, i, j), f('cct', ts, i, j)], v, `${num(dc)}·${num(it)}·${num(1 - cct * cct)}`);
    }
    case 'dit': {
      const [it, cct] = [g('it'), g('cct')];
      const v = dc * cct * it * (1 - it);
      return elementwise('dC·cct·it·(1 − it)', [dCf, f('cct', ts, i, j), f('it', ts, i, j)], v, `${num(dc)}·${num(cct)}·${num(it)}·${num(1 - it)}`);
    }
    case 'dft': {
      const [ft, cp] = [g('ft'), g('c_prev')];
      const v = dc * cp * ft * (1 - ft);
      return elementwise('dC·c_prev·ft·(1 − ft)', [dCf, f('c_prev', ts, i, j), f('ft', ts, i, j)], v, `${num(dc)}·${num(cp)}·${num(ft)}·${num(1 - ft)}`);
    }
    case 'dc_prev': {
      const ft = g('ft');
      return elementwise('dC·ft', [dCf, f('ft', ts, i, j)], dc * ft, `${num(dc)}·${num(ft)}`);
    }
    case 'da_prev':
    case 'dxt': {
      // Σ over the four gates of Wgᵀ·dg: columns 0…n_a-1 of the W's give da_prev, the rest dxt.
      const n_a = need(ts, 'Wf').rows;
      const col = name === 'da_prev' ? i : n_a + i;
      const parts: SumPart[] = (['f', 'i', 'c', 'o'] as const).map((k) => {
        const d = need(ts, k === 'c' ? 'dcct' : `d${k}t`);
        return { W: need(ts, `W${k}`), wName: `W${k}`, z: d, zName: k === 'c' ? 'dcct' : `d${k}t`, transposed: true };
      });
      const sum = weightedSum(parts, col, j);
      return { target, equation: `Σ_gates Σ_k Wg[k,${col}]·dg[k,${j}]`, sum, factors: [], numbers: num(sum.pre), value: sum.pre };
    }
  }
  return undefined;
}

/** Explains element (i, j) of a backward tensor of an RNN step (`ts`: backward tensors, a_next of the same t, the parameters). */
export function explainRnnBackward(name: string, ts: Tensors, i: number, j: number): Explanation | undefined {
  const target = `${name}[${i},${j}]`;
  if (name === 'dtanh') {
    const [da, a] = [at(need(ts, 'da_next'), i, j), at(need(ts, 'a_next'), i, j)];
    const value = da * (1 - a * a);
    return {
      target,
      equation: `da_next[${i},${j}]·(1 − a_next[${i},${j}]²)`,
      factors: [f('da_next', ts, i, j), f('a_next', ts, i, j)],
      numbers: `${num(da)}·${num(1 - a * a)} = ${num(value)}`,
      value,
    };
  }
  if (name === 'da_prev' || name === 'dxt') {
    const W = name === 'da_prev' ? 'Waa' : 'Wax';
    const sum = weightedSum([{ W: need(ts, W), wName: W, z: need(ts, 'dtanh'), zName: 'dtanh', transposed: true }], i, j);
    return { target, equation: `Σ_k ${W}[k,${i}]·dtanh[k,${j}]`, sum, factors: [], numbers: num(sum.pre), value: sum.pre };
  }
  return undefined;
}
