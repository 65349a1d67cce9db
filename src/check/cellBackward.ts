/**
 * The reference of a cell backward at every step of a fixture, from the engine's caches of one
 * `run()`: what `rnn_cell_backward` / `lstm_cell_backward` return when called with step t's
 * classic cache and the da_next (dc_next) that reached step t.
 *
 * Why not the engine's NumPy port (`lstm_cell_backward` in engine/numpy.ts) step after step: it
 * builds a one-step problem each call (stacking and transposing every weight), re-runs that
 * step's forward and then its backward, ~50 % more products than the step needs plus the copies;
 * on the 1000-step LSTM (n_a=256, m=32) that was 14 ms a step on a quiet machine, most of the
 * check's time. Here the stacked transposed weights are built once, in the engine's matmul
 * workspace (WebAssembly SIMD when the runtime has it), and a step costs the three products it
 * needs: dz = [Waᵀ; Wxᵀ]·d (da_prev and dxt), dW = d·[a_prev; xt]ᵀ, and the row sums for db.
 * The elementwise part is the engine's own `lstmBackward` kernel (the one its BPTT runs).
 */
import { getKernels } from '../engine/backend';
import { jsLstmBackward, type Workspace } from '../engine/kernels';
import { modelOf } from '../engine/run';
import type { Reference } from './reference';
import type { Tensor } from './types';

const LSTM_GATES = ['f', 'i', 'c', 'o'] as const;

export class CellBackwardReference {
  private readonly ws: Workspace;
  /** (nz, H): rows [Waᵀ; Wxᵀ], so one product gives dz = [da_prev; dxt]. */
  private readonly WT: Float64Array;
  /** (H, m) gradients w.r.t. the pre-activations, rows [f; i; c; o] for an LSTM. */
  private readonly D: Float64Array;
  /** (nz, m) = [a_prev; xt] of the step. */
  private readonly Z: Float64Array;
  private readonly dz: Float64Array;
  /** (H, nz) = D·Zᵀ */
  private readonly dW: Float64Array;
  /** LSTM: the kernel's 7 inputs (da_next, c_next, c_prev, ft, it, cct, ot) and dc in/out. */
  private readonly inp: Float64Array;
  private readonly dc: Float64Array;
  private readonly dims: { n_x: number; n_a: number; m: number; T_x: number; H: number; nz: number };

  constructor(private readonly ref: Reference) {
    const p = ref.problem;
    const model = modelOf(p);
    const { n_x, n_a, m, T_x } = p.dims;
    const H = model.H, nz = n_a + n_x, S = n_a * m;
    this.dims = { n_x, n_a, m, T_x, H, nz };
    const doubles = nz * H + H * m + 2 * nz * m + H * nz + 8 * S;
    this.ws = getKernels(H * nz * m).workspace(doubles, 7);
    this.WT = this.ws.alloc(nz * H);
    this.WT.set(model.WaT, 0);
    this.WT.set(model.WxT, n_a * H);
    this.D = this.ws.alloc(H * m);
    this.Z = this.ws.alloc(nz * m);
    this.dz = this.ws.alloc(nz * m);
    this.dW = this.ws.alloc(H * nz);
    this.inp = this.ws.alloc(7 * S);
    this.dc = this.ws.alloc(S);
  }

  /** The cell backward's outputs at 0-based step t (< T_b), by name, in NumPy shapes. */
  at(t: number): Map<string, Tensor> {
    const { problem: p, result: r } = this.ref;
    const { n_x, n_a, m, T_x, H, nz } = this.dims;
    const S = n_a * m, o = t * S;
    const f = r.forward, b = r.backward;
    if (!Number.isInteger(t) || t < 0 || t >= b.T_b) throw new Error(`reference: step ${t + 1} is not back-propagated`);
    const { D, Z, dz, dW, ws } = this;
    // Z = [a_prev; xt]
    if (t === 0) Z.set(p.a0.data.subarray(0, S), 0);
    else Z.set(f.a.subarray(o - S, o), 0);
    const x = p.x.data;
    for (let q = 0; q < n_x * m; q++) Z[S + q] = x[q * T_x + t];
    const out = new Map<string, Tensor>();
    if (p.cell === 'lstm') {
      const c = need(f.c), inp = this.inp;
      inp.set(b.da.subarray(o, o + S), 0);
      inp.set(c.subarray(o, o + S), S);
      if (t === 0) inp.set(p.c0 ? p.c0.data.subarray(0, S) : new Float64Array(S), 2 * S);
      else inp.set(c.subarray(o - S, o), 2 * S);
      inp.set(need(f.ft).subarray(o, o + S), 3 * S);
      inp.set(need(f.it).subarray(o, o + S), 4 * S);
      inp.set(need(f.cct).subarray(o, o + S), 5 * S);
      inp.set(need(f.ot).subarray(o, o + S), 6 * S);
      this.dc.set(need(b.dc).subarray(o, o + S));
      // dc goes from dc_next to dc_prev; D gets [dft; dit; dcct; dot].
      if (ws.lstmBackward) ws.lstmBackward(inp, S, this.dc, D);
      else jsLstmBackward(inp, S, this.dc, D);
    } else {
      for (let q = 0; q < S; q++) {
        const av = f.a[o + q];
        D[q] = b.da[o + q] * (1 - av * av);
      }
    }
    ws.gemmNN(nz, m, H, this.WT, 0, H, D, 0, m, dz, 0, m, false);
    if (ws.gemmNT) ws.gemmNT(H, nz, m, D, 0, m, Z, 0, m, dW, 0, nz, false);
    else {
      // dW = D·Zᵀ through the plain product: Zᵀ materialised (m, nz).
      const ZT = new Float64Array(m * nz);
      for (let k = 0; k < nz; k++) for (let j = 0; j < m; j++) ZT[j * nz + k] = Z[k * m + j];
      ws.gemmNN(H, nz, m, D, 0, m, ZT, 0, nz, dW, 0, nz, false);
    }
    out.set('dxt', { shape: [n_x, m], data: dz.slice(S, S + n_x * m) });
    out.set('da_prev', { shape: [n_a, m], data: dz.slice(0, S) });
    if (p.cell === 'lstm') {
      out.set('dc_prev', { shape: [n_a, m], data: this.dc.slice() });
      LSTM_GATES.forEach((g, gi) => {
        out.set(`dW${g}`, { shape: [n_a, nz], data: dW.slice(gi * n_a * nz, (gi + 1) * n_a * nz) });
        out.set(`db${g}`, { shape: [n_a, 1], data: rowSums(D, gi * n_a, n_a, m) });
      });
    } else {
      // The stacked columns are [a_prev; xt]: dWaa first, then dWax.
      const dWaa = new Float64Array(n_a * n_a), dWax = new Float64Array(n_a * n_x);
      for (let row = 0; row < n_a; row++) {
        dWaa.set(dW.subarray(row * nz, row * nz + n_a), row * n_a);
        dWax.set(dW.subarray(row * nz + n_a, (row + 1) * nz), row * n_x);
      }
      out.set('dWax', { shape: [n_a, n_x], data: dWax }).set('dWaa', { shape: [n_a, n_a], data: dWaa });
      out.set('dba', { shape: [n_a, 1], data: rowSums(D, 0, n_a, m) });
    }
    return out;
  }
}

function need(b: Float64Array | undefined): Float64Array {
  if (!b) throw new Error('reference: the LSTM run has no gate caches');
  return b;
}

/** Σ over the batch of rows [first, first + n) of an (·, m) array, as np.sum(d, axis=1, keepdims=True). */
function rowSums(D: Float64Array, first: number, n: number, m: number): Float64Array {
  const out = new Float64Array(n);
  for (let row = 0; row < n; row++) {
    let s = 0;
    const ro = (first + row) * m;
    for (let j = 0; j < m; j++) s += D[ro + j];
    out[row] = s;
  }
  return out;
}
