/**
 * The backward expansions of src/session/explain.ts: one element of a backward tensor (LSTM gate
 * gradients, dc_prev, da_prev, dxt, the step's dW/db contributions; RNN dtanh, da_prev, dxt, dW/db)
 * explained by the numbers it came from. `ts` holds the step's backward tensors, the forward values
 * of the same t and the parameters.
 */

import { at, f, need, num, transpose, weightedSum, type Explanation, type Factor, type Mat, type SumPart, type Tensors } from './explainSum';

/**
 * One entry of a step's weight gradient: `dW[i,k] = Σ_j d[i,j]·z[k,j]` over the batch, z the
 * k-th input row (a_prev's rows, then xt's for the LSTM's concatenation; `zName` names it).
 */
export function explainWeightGrad(name: string, d: string, ts: Tensors, i: number, k: number, blocks: { name: string; rows: number }[]): Explanation | undefined {
  let kk = k;
  for (const b of blocks) {
    if (kk < b.rows) {
      const zT = transpose(need(ts, b.name));
      const sum = weightedSum([{ W: need(ts, d), wName: d, z: zT, zName: `${b.name}ᵀ`, k0: 0 }], i, kk);
      return {
        target: `${name}[${i},${k}]`,
        equation: `Σ_j ${d}[${i},j]·${b.name}[${kk},j]  (this step’s contribution, summed over the batch)`,
        sum: { ...sum, top: sum.top.map((t) => ({ ...t, zName: t.zName.replace(/ᵀ\[(\d+),(\d+)\]$/, (_, j: string, r: string) => `[${r},${j}]`) })) },
        factors: [],
        numbers: num(sum.pre),
        value: sum.pre,
      };
    }
    kk -= b.rows;
  }
  return undefined;
}

/** One entry of a step's bias gradient: `db[i] = Σ_j d[i,j]`. */
function explainBiasGrad(name: string, d: string, ts: Tensors, i: number): Explanation {
  const D = need(ts, d);
  const ones: Mat = { rows: D.cols, cols: 1, data: new Float64Array(D.cols).fill(1) };
  const sum = weightedSum([{ W: D, wName: d, z: ones, zName: '1' }], i, 0);
  return {
    target: `${name}[${i},0]`,
    equation: `Σ_j ${d}[${i},j]  (this step’s contribution, summed over the batch)`,
    sum: { ...sum, top: sum.top.map((t) => ({ ...t, zName: '1' })) },
    factors: [],
    numbers: num(sum.pre),
    value: sum.pre,
  };
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
  const gateGrad = /^d([Wb])([fico])$/.exec(name);
  if (gateGrad) {
    const d = gateGrad[2] === 'c' ? 'dcct' : `d${gateGrad[2]}t`;
    if (gateGrad[1] === 'b') return explainBiasGrad(name, d, ts, i);
    const blocks = [{ name: 'a_prev', rows: need(ts, 'a_prev').rows }, { name: 'xt', rows: need(ts, 'xt').rows }];
    return explainWeightGrad(name, d, ts, i, j, blocks);
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
  if (name === 'dWax') return explainWeightGrad(name, 'dtanh', ts, i, j, [{ name: 'xt', rows: need(ts, 'xt').rows }]);
  if (name === 'dWaa') return explainWeightGrad(name, 'dtanh', ts, i, j, [{ name: 'a_prev', rows: need(ts, 'a_prev').rows }]);
  if (name === 'dba') return explainBiasGrad(name, 'dtanh', ts, i);
  return undefined;
}
