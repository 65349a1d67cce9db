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
 */

import type { Kernels, Workspace } from './kernels';
import type { BackwardCaches, CellType, Dims, ForwardCaches, LstmParameters, Problem, RnnParameters } from './types';

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

const LSTM_GATES = ['f', 'i', 'c', 'o'] as const;

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
  LSTM_GATES.forEach((g, gi) => {
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

  constructor(readonly model: Model, readonly problem: Problem, kernels: Kernels) {
    const { n_x, n_a, n_y, m, T_x } = model.dims;
    const H = model.H;
    this.fwd = allocForward(model.cell, model.dims);
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

export function allocBackward(cell: CellType, dims: Dims, T_b: number, keepGateGrads: boolean): BackwardCaches {
  const { n_x, n_a, m } = dims;
  const S = T_b * n_a * m;
  const bw: BackwardCaches = {
    cell, T_b, da: new Float64Array(S), dx: new Float64Array(T_b * n_x * m), da0: new Float64Array(n_a * m), grads: {},
  };
  if (cell === 'lstm') {
    bw.dc = new Float64Array(S);
    bw.dc0 = new Float64Array(n_a * m);
    if (keepGateGrads) {
      bw.dft = new Float64Array(S);
      bw.dit = new Float64Array(S);
      bw.dcct = new Float64Array(S);
      bw.dot = new Float64Array(S);
    }
  }
  if (cell === 'rnn') {
    bw.grads.dWax = new Float64Array(n_a * n_x);
    bw.grads.dWaa = new Float64Array(n_a * n_a);
    bw.grads.dba = new Float64Array(n_a);
  } else {
    for (const g of LSTM_GATES) {
      bw.grads[`dW${g}`] = new Float64Array(n_a * (n_a + n_x));
      bw.grads[`db${g}`] = new Float64Array(n_a);
    }
  }
  return bw;
}

/**
 * dst[u·rows + q] = src[q·T + t − u] for u < n, q < rows (steps t, t−1, … of an (rows, T) array),
 * 64 rows at a time: their source lines stay in L1 and each dst row gets 512-byte runs (8 rows at a
 * time wrote one line per dst row, all n lines rows·8 bytes apart: one L1 set when that is 32/64 KB).
 */
function gatherBack(src: Float64Array, T: number, dst: Float64Array, rows: number, t: number, n: number): void {
  for (let q0 = 0; q0 < rows; q0 += 64) {
    const q1 = Math.min(rows, q0 + 64);
    for (let u = 0; u < n; u++) {
      const o = u * rows, so = t - u;
      for (let q = q0; q < q1; q++) dst[o + q] = src[q * T + so];
    }
  }
}

/**
 * Where a backward pass over a window [lo, hi) of a longer run picks up (checkpoint.ts): the
 * da_prev carried down from step hi, and the running dW (stacked (H, n_a+n_x)) and db sums of the
 * steps above, so the window's chunks add onto them in the full run's order. dc comes in as the
 * window problem's dcFinal.
 */
export interface BackwardResume {
  carryA: Float64Array;
  dWz: Float64Array;
  db: Float64Array;
}

/**
 * Backpropagation through time, one step at a time from t = T_b-1 down, into preallocated caches.
 * Steps are grouped into chunks whose dW and dx products are done together by `flush()`;
 * `done` counts flushed steps (their dx is final).
 */
export class BackwardPass {
  readonly bwd: BackwardCaches;
  /** Steps whose dx is final. */
  done = 0;
  /** Steps computed (flushed or pending). */
  private computed = 0;
  private pending = 0;
  private finalized = false;
  private readonly ws: Workspace;
  private readonly T_b: number;
  /** x (n_x, m, T_x) and da (n_a, m, T_b) in NumPy layout, read a chunk at a time. */
  private readonly x: Float64Array;
  private readonly daUp: Float64Array;
  /**
   * Gathered steps, step-major by slot: x⟨t⟩ and upstream da⟨t⟩ for t = gHi − slot (G of them, a
   * multiple of the chunk length); the current chunk's slot s is gathered slot `gOff + s`.
   */
  private readonly xC: Float64Array;
  private readonly daC: Float64Array;
  private readonly G: number;
  private gHi = -1;
  private gOff = 0;
  private readonly WaT: Float64Array;
  private readonly WxT: Float64Array;
  /** da_prev carried to the next (earlier) step; the recurrent product's output. */
  private readonly carryA: Float64Array;
  /** dc_prev carried to the next (earlier) step (LSTM). */
  private readonly carryC: Float64Array;
  /** LSTM, wasm cell backward: this step's [da_next; c⟨t⟩; c⟨t-1⟩; ft; it; cct; ot] (7·n_a·m). */
  private readonly cellIn: Float64Array;
  private readonly Tc: number;
  /** Columns of the chunk buffers: Tc·m. */
  private readonly ldc: number;
  /** (H, Tc·m): gate gradients of the chunk's steps, slot s at columns s·m… */
  private readonly D: Float64Array;
  /** (H, m): this step's gate gradients, contiguous (a plain matrix–vector product when m = 1). */
  private readonly Ds: Float64Array;
  /**
   * z of the chunk's steps: with a transposed-operand product (wasm) Z (n_a+n_x, Tc·m), step slot s
   * at columns s·m… (rows copied as they are), dW += D·Zᵀ by gemmNT; else Zt (Tc·m, n_a+n_x) (rows
   * s·m+j, a transposition per step), dW += D·Zt by gemmNN.
   */
  private readonly Zt: Float64Array;
  private readonly dXc: Float64Array;
  private readonly dWz: Float64Array;
  private readonly db: Float64Array;

  constructor(
    readonly model: Model, readonly problem: Problem, readonly fwd: ForwardCaches, kernels: Kernels,
    readonly keepGateGrads: boolean, resume?: BackwardResume,
  ) {
    const { n_x, n_a, m, T_x } = model.dims;
    const H = model.H, nz = n_a + n_x;
    const T_b = problem.da.shape[2] ?? 1;
    if (T_b > T_x) throw new Error(`da has ${T_b} steps but the forward pass has only ${T_x}`);
    this.T_b = T_b;
    this.bwd = allocBackward(model.cell, model.dims, T_b, keepGateGrads);
    this.x = problem.x.data;
    this.daUp = problem.da.data;
    this.Tc = chunkSteps(m, T_b);
    const ld = (this.ldc = this.Tc * m);
    const lstm = model.cell === 'lstm';
    const sizes = [n_a * H, n_x * H, n_a * m, H * ld, ld * nz, n_x * ld, H * nz, H * m, n_a * m, lstm ? 7 * n_a * m : 0, H];
    const ws = (this.ws = kernels.workspace(sizes.reduce((p, q) => p + q, 0), sizes.length));
    this.carryC = ws.alloc(n_a * m);
    if (problem.dcFinal) this.carryC.set(problem.dcFinal.data);
    this.cellIn = lstm && ws.lstmBackward ? ws.alloc(7 * n_a * m) : new Float64Array(0);
    this.WaT = ws.alloc(n_a * H);
    this.WaT.set(model.WaT);
    this.WxT = ws.alloc(n_x * H);
    this.WxT.set(model.WxT);
    this.carryA = ws.alloc(n_a * m);
    this.D = ws.alloc(H * ld);
    this.Zt = ws.alloc(ld * nz);
    this.dXc = ws.alloc(n_x * ld);
    this.dWz = ws.alloc(H * nz);
    this.Ds = ws.alloc(H * m);
    this.db = ws.alloc(H);
    if (resume) {
      this.carryA.set(resume.carryA);
      this.dWz.set(resume.dWz);
      this.db.set(resume.db);
    }
    this.G = gatherSteps(this.Tc, n_x, n_a, m);
    this.xC = new Float64Array(this.G * n_x * m);
    this.daC = new Float64Array(this.G * n_a * m);
  }

  get stepsComputed(): number {
    return this.computed;
  }

  /** Copies of the running sums and carries, to resume below this pass's first step (checkpoint.ts). */
  accumulators(): BackwardResume {
    return { carryA: this.carryA.slice(), dWz: this.dWz.slice(), db: this.db.slice() };
  }

  get finished(): boolean {
    return this.finalized;
  }

  /** Back-propagate one more step (the forward must have reached it). */
  step(): void {
    if (this.computed >= this.T_b) return;
    const t = this.T_b - 1 - this.computed;
    const { n_x, n_a, m } = this.model.dims;
    const model = this.model, f = this.fwd, bw = this.bwd, H = model.H, nz = n_a + n_x;
    const S = n_a * m, o = t * S, ld = this.ldc, s = this.pending, col = s * m;
    if (s === 0) this.loadChunk(t);
    const D = this.D, Ds = this.Ds, carryA = this.carryA, carryC = this.carryC, daRec = bw.da;
    const daC = this.daC, dco = (this.gOff + s) * S;
    const ws = this.ws;
    if (model.cell === 'lstm' && ws.lstmBackward) {
      // the cell backward runs in wasm on a copy of this step's operands
      const inp = this.cellIn, c = f.c!, ft = f.ft!, it = f.it!, cct = f.cct!, ot = f.ot!;
      for (let q = 0; q < S; q++) {
        const g = o + q;
        const v = daC[dco + q] + carryA[q]; // da_next reaching step t: upstream + carried
        daRec[g] = v;
        inp[q] = v;
        inp[S + q] = c[g];
        inp[3 * S + q] = ft[g];
        inp[4 * S + q] = it[g];
        inp[5 * S + q] = cct[g];
        inp[6 * S + q] = ot[g];
      }
      const c0 = this.problem.c0?.data;
      if (t > 0) for (let q = 0, p = o - S; q < S; q++) inp[2 * S + q] = c[p + q];
      else if (c0) for (let q = 0; q < S; q++) inp[2 * S + q] = c0[q];
      else inp.fill(0, 2 * S, 3 * S);
      bw.dc!.set(carryC, o);
      ws.lstmBackward(inp, S, carryC, Ds);
      if (this.keepGateGrads && bw.dft !== undefined) {
        const dft = bw.dft, dit = bw.dit!, dcct = bw.dcct!, dot = bw.dot!;
        for (let q = 0; q < S; q++) {
          const g = o + q;
          dft[g] = Ds[q];
          dit[g] = Ds[S + q];
          dcct[g] = Ds[2 * S + q];
          dot[g] = Ds[3 * S + q];
        }
      }
    } else if (model.cell === 'rnn') {
      // da_next reaching step t (upstream + carried) and dtanh = da_next ⊙ (1 − a²)
      const a = f.a;
      for (let q = 0; q < S; q++) {
        const v = daC[dco + q] + carryA[q];
        daRec[o + q] = v;
        const av = a[o + q];
        Ds[q] = v * (1 - av * av);
      }
    } else {
      for (let q = 0; q < S; q++) daRec[o + q] = daC[dco + q] + carryA[q];
    }
    if (model.cell === 'lstm' && !ws.lstmBackward) {
      const c = f.c!, ft = f.ft!, it = f.it!, cct = f.cct!, ot = f.ot!;
      const dcRec = bw.dc!;
      const keep = this.keepGateGrads && bw.dft !== undefined;
      const c0 = this.problem.c0?.data;
      for (let r = 0; r < n_a; r++) {
        const ro = r * m;
        for (let j = 0; j < m; j++) {
          const q = ro + j, g = o + q;
          const daN = daRec[g], dcN = carryC[q];
          dcRec[g] = dcN;
          const tc = Math.tanh(c[g]);
          const ov = ot[g], iv = it[g], cv = cct[g], fv = ft[g];
          const cPrev = t > 0 ? c[g - S] : c0 ? c0[q] : 0;
          const dC = dcN + daN * ov * (1 - tc * tc);
          const dot = daN * tc * ov * (1 - ov);
          const dcct = dC * iv * (1 - cv * cv);
          const dit = dC * cv * iv * (1 - iv);
          const dft = dC * cPrev * fv * (1 - fv);
          carryC[q] = dC * fv;
          Ds[q] = dft;
          Ds[q + S] = dit;
          Ds[q + 2 * S] = dcct;
          Ds[q + 3 * S] = dot;
          if (keep) { bw.dft![g] = dft; bw.dit![g] = dit; bw.dcct![g] = dcct; bw.dot![g] = dot; }
        }
      }
    }
    // the recurrent part only: da_prev = Waᵀ·d⟨t⟩; then d⟨t⟩ joins the chunk for dW and dx
    ws.gemmNN(n_a, m, H, this.WaT, 0, H, Ds, 0, m, carryA, 0, m, false);
    if (ws.copyRows) ws.copyRows(D, col, ld, Ds, 0, m, H, m, null);
    else {
      for (let r = 0; r < H; r++) {
        const so = r * m, dro = r * ld + col;
        for (let j = 0; j < m; j++) D[dro + j] = Ds[so + j];
      }
    }
    // z = [a_prev; x⟨t⟩] of this step, for the chunk's dW product
    const Zt = this.Zt, aPrev = t === 0 ? this.problem.a0.data : f.a, aOff = t === 0 ? 0 : o - S;
    const x = this.xC, xo = (this.gOff + s) * n_x * m;
    if (ws.gemmNT) {
      for (let k = 0; k < n_a; k++) {
        const zr = k * ld + col, ar = aOff + k * m;
        for (let j = 0; j < m; j++) Zt[zr + j] = aPrev[ar + j];
      }
      for (let k = 0; k < n_x; k++) {
        const zr = (n_a + k) * ld + col, xr = xo + k * m;
        for (let j = 0; j < m; j++) Zt[zr + j] = x[xr + j];
      }
    } else {
      for (let j = 0; j < m; j++) {
        const zr = (col + j) * nz;
        for (let k = 0; k < n_a; k++) Zt[zr + k] = aPrev[aOff + k * m + j];
        for (let k = 0; k < n_x; k++) Zt[zr + n_a + k] = x[xo + k * m + j];
      }
    }
    this.pending++;
    this.computed++;
    if (this.pending === this.Tc || this.computed === this.T_b) this.flush();
  }

  /**
   * Makes x and the upstream da of the chunk starting at step t (steps t, t−1, …) available: when
   * they are not gathered yet, reads steps t … t−G+1 out of the NumPy layout (`gatherBack`).
   */
  private loadChunk(t: number): void {
    const len = Math.min(this.Tc, t + 1);
    if (this.gHi >= 0 && t <= this.gHi && t - len + 1 > this.gHi - this.G) {
      this.gOff = this.gHi - t;
      return;
    }
    const { n_x, n_a, m, T_x } = this.model.dims;
    const gl = Math.min(this.G, t + 1);
    gatherBack(this.x, T_x, this.xC, n_x * m, t, gl);
    gatherBack(this.daUp, this.T_b, this.daC, n_a * m, t, gl);
    this.gHi = t;
    this.gOff = 0;
  }

  /** Batched products for the pending steps: dW += D·Zt, db += ΣD, dx = Wxᵀ·D. */
  flush(): void {
    const P = this.pending;
    if (P > 0) {
      const { n_x, n_a, m } = this.model.dims;
      const H = this.model.H, ld = this.ldc, K = P * m, nz = n_a + n_x;
      const D = this.D, ws = this.ws;
      if (ws.gemmNT) ws.gemmNT(H, nz, K, D, 0, ld, this.Zt, 0, ld, this.dWz, 0, nz, true);
      else ws.gemmNN(H, nz, K, D, 0, ld, this.Zt, 0, nz, this.dWz, 0, nz, true);
      const db = this.db;
      if (ws.rowSumsAdd) ws.rowSumsAdd(D, 0, ld, H, K, db);
      else {
        for (let r = 0; r < H; r++) {
          let s = 0;
          const ro = r * ld;
          for (let q = 0; q < K; q++) s += D[ro + q];
          db[r] += s;
        }
      }
      ws.gemmNN(n_x, K, H, this.WxT, 0, H, D, 0, ld, this.dXc, 0, ld, false);
      // slot s holds step tFirst - s
      const tFirst = this.T_b - 1 - (this.computed - P);
      const dx = this.bwd.dx, dXc = this.dXc, nm = n_x * m;
      for (let s = 0; s < P; s++) {
        const to = (tFirst - s) * nm;
        for (let r = 0; r < n_x; r++) {
          const so = r * ld + s * m, d = to + r * m;
          for (let j = 0; j < m; j++) dx[d + j] = dXc[so + j];
        }
      }
      this.pending = 0;
      this.done = this.computed;
    }
    if (this.done >= this.T_b && !this.finalized) this.finalize();
  }

  private finalize(): void {
    const { n_x, n_a } = this.model.dims;
    const bw = this.bwd, nz = n_a + n_x, dWz = this.dWz;
    bw.da0.set(this.carryA);
    if (bw.dc0) bw.dc0.set(this.carryC);
    if (this.model.cell === 'rnn') {
      const dWaa = bw.grads.dWaa, dWax = bw.grads.dWax;
      for (let r = 0; r < n_a; r++) {
        for (let k = 0; k < n_a; k++) dWaa[r * n_a + k] = dWz[r * nz + k];
        for (let k = 0; k < n_x; k++) dWax[r * n_x + k] = dWz[r * nz + n_a + k];
      }
      bw.grads.dba.set(this.db);
    } else {
      LSTM_GATES.forEach((g, gi) => {
        bw.grads[`dW${g}`].set(dWz.subarray(gi * n_a * nz, (gi + 1) * n_a * nz));
        bw.grads[`db${g}`].set(this.db.subarray(gi * n_a, (gi + 1) * n_a));
      });
    }
    this.finalized = true;
  }
}
