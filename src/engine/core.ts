/**
 * The fast core: RNN and LSTM forward and backward over step-major buffers.
 *
 * Both cells are one "gated" recurrence with G gate blocks (RNN: G = 1, the tanh pre-activation;
 * LSTM: G = 4, rows [f; i; c; o]) and H = G·n_a pre-activation rows:
 *
 *     pre⟨t⟩ = Wx·x⟨t⟩ + Wa·a⟨t-1⟩ + b          Wx (H, n_x), Wa (H, n_a)
 *
 * What does not depend on the recurrence is batched over a chunk of steps into one big product:
 * the input projection Wx·[x⟨t0⟩ … x⟨t1⟩] in the forward; dW += D·Zᵀ (Z = [a_prev; x] of the
 * chunk) and dx = Wxᵀ·D in the backward. Only Wa·a⟨t-1⟩ and Waᵀ·d⟨t⟩ remain per step. All
 * buffers are allocated when a run is created; the time loop allocates nothing.
 *
 * This file: the model (weights in the layout the kernels want) and the forward pass; the backward
 * pass is coreBackward.ts.
 */

import type { Kernels, Workspace } from './kernels';
import type { CellType, Dims, ForwardCaches, LstmParameters, Problem, RnnParameters } from './types';

export interface Model {
  cell: CellType;
  dims: Dims;
  G: number;
  H: number;
  /** (H, n_a) */
  Wa: Float64Array;
  /** (H, n_x) */
  Wx: Float64Array;
  /** (n_a, H) = Waᵀ */
  WaT: Float64Array;
  /** (n_x, H) = Wxᵀ */
  WxT: Float64Array;
  /** (H) */
  b: Float64Array;
  /** (n_y, n_a) */
  Wy: Float64Array;
  /** (n_y) */
  by: Float64Array;
}

/** The LSTM's gate blocks of the pre-activation rows, in order. */
export const GATE_BLOCKS = ['f', 'i', 'c', 'o'] as const;

function transpose(src: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = src[i * cols + j];
  return out;
}

export function buildModel(problem: Problem): Model {
  const dims = problem.dims;
  const { n_x, n_a } = dims;
  if (problem.cell === 'rnn') {
    const p = problem.parameters as RnnParameters;
    const Wa = Float64Array.from(p.Waa.data);
    const Wx = Float64Array.from(p.Wax.data);
    return {
      cell: 'rnn', dims, G: 1, H: n_a, Wa, Wx,
      WaT: transpose(Wa, n_a, n_a), WxT: transpose(Wx, n_a, n_x),
      b: Float64Array.from(p.ba.data), Wy: p.Wya.data, by: p.by.data,
    };
  }
  const p = problem.parameters as LstmParameters;
  const H = 4 * n_a, nz = n_a + n_x;
  const Wa = new Float64Array(H * n_a), Wx = new Float64Array(H * n_x), b = new Float64Array(H);
  GATE_BLOCKS.forEach((g, gi) => {
    const W = p[`W${g}` as 'Wf'].data, bb = p[`b${g}` as 'bf'].data;
    for (let r = 0; r < n_a; r++) {
      const row = gi * n_a + r;
      for (let k = 0; k < n_a; k++) Wa[row * n_a + k] = W[r * nz + k];
      for (let k = 0; k < n_x; k++) Wx[row * n_x + k] = W[r * nz + n_a + k];
      b[row] = bb[r];
    }
  });
  return {
    cell: 'lstm', dims, G: 4, H, Wa, Wx, WaT: transpose(Wa, H, n_a), WxT: transpose(Wx, H, n_x), b,
    Wy: p.Wy.data, by: p.by.data,
  };
}

/** Softmax over the rows of each column of an (n, m) block, each column shifted by its own max. */
export function softmaxColumns(Z: Float64Array, off: number, n: number, m: number): void {
  for (let j = 0; j < m; j++) {
    let mx = -Infinity;
    let sawNaN = false;
    for (let i = 0; i < n; i++) {
      const v = Z[off + i * m + j];
      if (v > mx) mx = v;
      else if (v !== v) sawNaN = true;
    }
    if (sawNaN) mx = NaN; // as np.max: NaN anywhere in the column poisons the column
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp(Z[off + i * m + j] - mx);
      Z[off + i * m + j] = e;
      s += e;
    }
    for (let i = 0; i < n; i++) Z[off + i * m + j] /= s;
  }
}

/** Pick the chunk length (in steps) so a chunk's batched product has ~128 columns. */
export function chunkSteps(m: number, T: number): number {
  return Math.max(1, Math.min(T, Math.ceil(128 / Math.max(1, m))));
}

/**
 * Steps of x (and da) gathered at once out of the NumPy layout: a multiple of the chunk length Tc,
 * up to 16 steps and ~1 MB of (n_x + n_a)·m·steps doubles (8 steps at S3). In the (n, m, T) layout
 * the steps of one (row, batch column) are contiguous and the next one is T doubles away, so reading
 * 4 steps at a time used half a cache line per row; 8 steps read whole lines (S3's da: ~18 → ~13 ms
 * per pass in isolation; 12–20 steps ~10.5 ms for twice the scratch).
 */
export function gatherSteps(Tc: number, n_x: number, n_a: number, m: number): number {
  return Tc * Math.max(1, Math.min(Math.floor(16 / Tc), Math.floor(131072 / Math.max(1, (n_x + n_a) * m * Tc))));
}

export function allocForward(cell: CellType, dims: Dims): ForwardCaches {
  const { n_a, n_y, m, T_x } = dims;
  const S = T_x * n_a * m;
  const f: ForwardCaches = { cell, dims, a: new Float64Array(S), y: new Float64Array(T_x * n_y * m) };
  if (cell === 'lstm') {
    f.c = new Float64Array(S);
    f.ft = new Float64Array(S);
    f.it = new Float64Array(S);
    f.cct = new Float64Array(S);
    f.ot = new Float64Array(S);
  }
  return f;
}

/**
 * `into` made ready for another forward of this shape (`forward(…, { into })`): its arrays are
 * reused as they are (every entry is written again before it is read), so a repeated run touches
 * no fresh memory. Throws when they do not fit.
 */
export function reuseForward(cell: CellType, dims: Dims, into: ForwardCaches): ForwardCaches {
  const { n_a, n_y, m, T_x } = dims;
  const S = T_x * n_a * m;
  const fits = into.cell === cell && into.a.length === S && into.y.length === T_x * n_y * m &&
    (cell === 'rnn' || [into.c, into.ft, into.it, into.cct, into.ot].every((b) => b?.length === S));
  if (!fits) throw new Error(`the forward caches given to reuse are not those of a ${cell} with n_a=${n_a} n_y=${n_y} m=${m} T_x=${T_x}`);
  into.dims = dims;
  return into;
}

/** Computes forward steps one at a time into preallocated caches. */
export class ForwardPass {
  readonly fwd: ForwardCaches;
  done = 0;
  private readonly ws: Workspace;
  /** x in NumPy layout (n_x, m, T_x); chunks are gathered from it (no full step-major copy). */
  private readonly x: Float64Array;
  private readonly c0: Float64Array;
  private readonly Tc: number;
  /** Workspace copies of the weights (the kernel reads them in place). */
  private readonly Wa: Float64Array;
  private readonly Wx: Float64Array;
  private readonly Wy: Float64Array;
  /** Workspace copy of the bias b (H). */
  private readonly bW: Float64Array;
  private readonly Xc: Float64Array;
  private readonly P: Float64Array;
  private readonly Gs: Float64Array;
  /** a⟨t-1⟩, the recurrent operand. */
  private readonly aState: Float64Array;
  /** c⟨t-1⟩ (LSTM, used by the vectorised cell). */
  private readonly cState: Float64Array;
  /** Views of Gs's gate blocks [f; i; c; o] (made once: no allocation in the time loop). */
  private readonly gateViews: Float64Array[];
  private readonly Ys: Float64Array;
  private chunkStart = -1;
  private chunkLen = 0;
  /** Steps per gather of x (a multiple of Tc) and the first step held in Xc (n_x, Gx·m). */
  private readonly Gx: number;
  private xStart = -1;

  /** `into`: caches of an earlier run of the same shape to write into (see `reuseForward`). */
  constructor(readonly model: Model, readonly problem: Problem, kernels: Kernels, into?: ForwardCaches) {
    const { n_x, n_a, n_y, m, T_x } = model.dims;
    const H = model.H;
    this.fwd = into ? reuseForward(model.cell, model.dims, into) : allocForward(model.cell, model.dims);
    this.x = problem.x.data;
    this.c0 = problem.c0?.data ?? new Float64Array(n_a * m);
    this.Tc = chunkSteps(m, T_x);
    this.Gx = gatherSteps(this.Tc, n_x, n_a, m);
    const sizes = [H * n_a, H * n_x, n_y * n_a, n_x * this.Gx * m, H * this.Tc * m, H * m, n_a * m, n_y * m, n_a * m, H];
    const ws = (this.ws = kernels.workspace(sizes.reduce((p, q) => p + q, 0), sizes.length));
    this.Wa = ws.alloc(H * n_a);
    this.Wa.set(model.Wa);
    this.Wx = ws.alloc(H * n_x);
    this.Wx.set(model.Wx);
    this.Wy = ws.alloc(n_y * n_a);
    this.Wy.set(model.Wy);
    this.Xc = ws.alloc(n_x * this.Gx * m);
    this.P = ws.alloc(H * this.Tc * m);
    this.Gs = ws.alloc(H * m);
    this.aState = ws.alloc(n_a * m);
    this.aState.set(problem.a0.data);
    this.Ys = ws.alloc(n_y * m);
    this.cState = ws.alloc(n_a * m);
    this.cState.set(this.c0);
    this.bW = ws.alloc(H);
    this.bW.set(model.b);
    const S = n_a * m;
    this.gateViews = [0, 1, 2, 3].map((g) => this.Gs.subarray(Math.min(g, model.G - 1) * S, (Math.min(g, model.G - 1) + 1) * S));
  }

  get finished(): boolean {
    return this.done >= this.model.dims.T_x;
  }

  /** The pass is done: its workspace memory goes back to the kernels now (no step may follow). */
  release(): void {
    this.ws.release?.();
  }

  /** Batched input projection P = Wx·[x⟨t0⟩ … x⟨t0+len-1⟩]. */
  private project(t0: number): void {
    const { n_x, m, T_x } = this.model.dims;
    const H = this.model.H;
    const len = Math.min(this.Tc, T_x - t0);
    const ld = len * m, ldX = this.Gx * m;
    const Xc = this.Xc, x = this.x;
    if (this.xStart < 0 || t0 + len > this.xStart + this.Gx) {
      // gather x⟨t0⟩ … x⟨t0+G-1⟩ as (n_x, G·m): up to 64 batch columns at a time, so their source
      // rows stay in L1 while their steps are read in order
      const gl = Math.min(this.Gx, T_x - t0);
      for (let k = 0; k < n_x; k++) {
        for (let j0 = 0; j0 < m; j0 += 64) {
          const j1 = Math.min(m, j0 + 64);
          for (let s = 0; s < gl; s++) {
            const dst = k * ldX + s * m, src = k * m * T_x + t0 + s;
            for (let j = j0; j < j1; j++) Xc[dst + j] = x[src + j * T_x];
          }
        }
      }
      this.xStart = t0;
    }
    this.ws.gemmNN(H, ld, n_x, this.Wx, 0, n_x, Xc, (t0 - this.xStart) * m, ldX, this.P, 0, ld, false);
    this.chunkStart = t0;
    this.chunkLen = len;
  }

  step(): void {
    const t = this.done;
    const { n_a, n_y, m, T_x } = this.model.dims;
    if (t >= T_x) return;
    const model = this.model, H = model.H, f = this.fwd, Gs = this.Gs;
    if (this.chunkStart < 0 || t >= this.chunkStart + this.chunkLen) this.project(t);
    const ld = this.chunkLen * m, col = (t - this.chunkStart) * m;
    const P = this.P, b = this.bW;
    if (this.ws.copyRows) this.ws.copyRows(Gs, 0, m, P, col, ld, H, m, b);
    else {
      for (let r = 0; r < H; r++) {
        const br = b[r], po = r * ld + col, go = r * m;
        for (let j = 0; j < m; j++) Gs[go + j] = P[po + j] + br;
      }
    }
    const S = n_a * m;
    const aS = this.aState;
    this.ws.gemmNN(H, m, n_a, this.Wa, 0, n_a, aS, 0, m, Gs, 0, m, true);
    const o = t * S;
    const a = f.a;
    const ws = this.ws;
    const gv = this.gateViews;
    if (model.cell === 'rnn' && ws.tanhInPlace) {
      ws.tanhInPlace(Gs, S);
      aS.set(gv[0]);
      a.set(aS, o);
    } else if (model.cell === 'lstm' && ws.lstmCell) {
      ws.lstmCell(Gs, this.cState, aS, S);
      f.ft!.set(gv[0], o);
      f.it!.set(gv[1], o);
      f.cct!.set(gv[2], o);
      f.ot!.set(gv[3], o);
      f.c!.set(this.cState, o);
      a.set(aS, o);
    } else if (model.cell === 'rnn') {
      for (let q = 0; q < S; q++) {
        const v = Math.tanh(Gs[q]);
        a[o + q] = v;
        aS[q] = v;
      }
    } else {
      const c = f.c!, ft = f.ft!, it = f.it!, cct = f.cct!, ot = f.ot!;
      const cPrev = t === 0 ? this.c0 : c;
      const cPrevOff = t === 0 ? 0 : (t - 1) * S;
      for (let q = 0; q < S; q++) {
        const fv = 1 / (1 + Math.exp(-Gs[q]));
        const iv = 1 / (1 + Math.exp(-Gs[S + q]));
        const cv = Math.tanh(Gs[2 * S + q]);
        const ov = 1 / (1 + Math.exp(-Gs[3 * S + q]));
        const cn = fv * cPrev[cPrevOff + q] + iv * cv;
        ft[o + q] = fv; it[o + q] = iv; cct[o + q] = cv; ot[o + q] = ov;
        c[o + q] = cn;
        const av = ov * Math.tanh(cn);
        a[o + q] = av;
        aS[q] = av;
      }
    }
    // output layer: y⟨t⟩ = softmax(Wy·a⟨t⟩ + by)
    const Ys = this.Ys, by = model.by;
    for (let r = 0; r < n_y; r++) Ys.fill(by[r], r * m, (r + 1) * m);
    this.ws.gemmNN(n_y, m, n_a, this.Wy, 0, n_a, aS, 0, m, Ys, 0, m, true);
    if (this.ws.softmaxColumns) this.ws.softmaxColumns(Ys, n_y, m);
    else softmaxColumns(Ys, 0, n_y, m);
    f.y.set(Ys, t * n_y * m);
    this.done = t + 1;
  }
}
