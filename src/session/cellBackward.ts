/**
 * One backward step's quantities for the panel, from the stored caches, with the engine's
 * matrix kernel: the same values as the engine's `cellBackwardAt` (the tests hold them equal),
 * but the three products (da_prev = Waᵀ·d, dxt = Wxᵀ·d, dW = d·zᵀ) run through `jsGemmNN`
 * instead of scalar loops, so stepping backward through a big LSTM stays interactive.
 */
import { jsGemmNN } from '../engine/kernels';
import { modelOf } from '../engine/run';
import type { BackwardCaches, ForwardCaches, Problem } from '../engine/types';

export function cellBackwardFast(
  problem: Problem, fwd: ForwardCaches, bwd: BackwardCaches, t: number,
): Record<string, Float64Array> {
  if (!Number.isInteger(t) || t < 0 || t >= bwd.T_b) throw new Error(`backward step ${t} is outside 0..${bwd.T_b - 1}`);
  const model = modelOf(problem);
  const { n_x, n_a, m, T_x } = model.dims;
  const H = model.H, S = n_a * m, o = t * S, nz = n_a + n_x;
  const out: Record<string, Float64Array> = {};
  // d: gradient w.r.t. the pre-activations of this step, (H, m) rows [f; i; c; o] for an LSTM.
  const D = new Float64Array(H * m);
  const daN = bwd.da.subarray(o, o + S);
  if (model.cell === 'rnn') {
    for (let q = 0; q < S; q++) {
      const av = fwd.a[o + q];
      D[q] = daN[q] * (1 - av * av);
    }
    out.dtanh = D;
  } else {
    const c = fwd.c!, ft = fwd.ft!, it = fwd.it!, cct = fwd.cct!, ot = fwd.ot!;
    const dcN = bwd.dc!.subarray(o, o + S);
    const c0 = problem.c0?.data;
    const dcPrev = new Float64Array(S);
    for (let q = 0; q < S; q++) {
      const g = o + q;
      const tc = Math.tanh(c[g]);
      const ov = ot[g], iv = it[g], cv = cct[g], fv = ft[g];
      const cPrev = t > 0 ? c[g - S] : c0 ? c0[q] : 0;
      const dC = dcN[q] + daN[q] * ov * (1 - tc * tc);
      D[3 * S + q] = daN[q] * tc * ov * (1 - ov);
      D[2 * S + q] = dC * iv * (1 - cv * cv);
      D[S + q] = dC * cv * iv * (1 - iv);
      D[q] = dC * cPrev * fv * (1 - fv);
      dcPrev[q] = dC * fv;
    }
    out.dft = D.slice(0, S);
    out.dit = D.slice(S, 2 * S);
    out.dcct = D.slice(2 * S, 3 * S);
    out.dot = D.slice(3 * S, 4 * S);
    out.dc_prev = dcPrev;
  }
  const daPrev = new Float64Array(S), dxt = new Float64Array(n_x * m);
  jsGemmNN(n_a, m, H, model.WaT, 0, H, D, 0, m, daPrev, 0, m, false);
  jsGemmNN(n_x, m, H, model.WxT, 0, H, D, 0, m, dxt, 0, m, false);
  out.dxt = dxt;
  out.da_prev = daPrev;
  // zᵀ = [a_prev; x⟨t⟩]ᵀ as (m, nz), so dW = d·zᵀ is one product.
  const zT = new Float64Array(m * nz);
  const aPrev = t === 0 ? problem.a0.data : fwd.a.subarray(o - S, o);
  for (let k = 0; k < n_a; k++) for (let j = 0; j < m; j++) zT[j * nz + k] = aPrev[k * m + j];
  const x = problem.x.data;
  for (let k = 0; k < n_x; k++) for (let j = 0; j < m; j++) zT[j * nz + n_a + k] = x[(k * m + j) * T_x + t];
  const dW = new Float64Array(H * nz);
  jsGemmNN(H, nz, m, D, 0, m, zT, 0, nz, dW, 0, nz, false);
  const db = (g: number) => {
    const b = new Float64Array(n_a);
    for (let r = 0; r < n_a; r++) {
      let s = 0;
      const ro = (g * n_a + r) * m;
      for (let j = 0; j < m; j++) s += D[ro + j];
      b[r] = s;
    }
    return b;
  };
  if (model.cell === 'rnn') {
    const dWaa = new Float64Array(n_a * n_a), dWax = new Float64Array(n_a * n_x);
    for (let r = 0; r < n_a; r++) {
      dWaa.set(dW.subarray(r * nz, r * nz + n_a), r * n_a);
      dWax.set(dW.subarray(r * nz + n_a, (r + 1) * nz), r * n_x);
    }
    out.dWax = dWax;
    out.dWaa = dWaa;
    out.dba = db(0);
  } else {
    (['f', 'i', 'c', 'o'] as const).forEach((g, gi) => {
      out[`dW${g}`] = dW.slice(gi * n_a * nz, (gi + 1) * n_a * nz);
      out[`db${g}`] = db(gi);
    });
  }
  return out;
}
