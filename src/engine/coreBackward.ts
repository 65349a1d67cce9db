/**
 * The fast core's backward pass (the forward and the model: core.ts). Per step only Waᵀ·d⟨t⟩
 * carries the recurrence; dW += D·Zᵀ, db += ΣD and dx = Wxᵀ·D are batched over a chunk of steps
 * (`chunkSteps`). All buffers are allocated when the pass is created.
 */

import type { Kernels, Workspace } from './kernels';
import type { BackwardCaches, CellType, Dims, ForwardCaches, Problem } from './types';
import { GATE_BLOCKS, chunkSteps, gatherSteps, type Model } from './core';
import { daIsLazyOnes } from './layout';

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
    for (const g of GATE_BLOCKS) {
      bw.grads[`dW${g}`] = new Float64Array(n_a * (n_a + n_x));
      bw.grads[`db${g}`] = new Float64Array(n_a);
    }
  }
  return bw;
}

/**
 * `into` made ready for another backward of this shape (`backward(…, { into })`): its arrays are
 * reused as they are (the pass writes every entry: each step's da, dc, dx and gate gradients, and
 * da0, dc0 and the parameter gradients at the end). Throws when they do not fit.
 */
export function reuseBackward(cell: CellType, dims: Dims, T_b: number, keepGateGrads: boolean, into: BackwardCaches): BackwardCaches {
  const { n_x, n_a, m } = dims;
  const S = T_b * n_a * m, nz = n_a + n_x, g = into.grads;
  const want: [Float64Array | undefined, number][] = [[into.da, S], [into.dx, T_b * n_x * m], [into.da0, n_a * m]];
  if (cell === 'rnn') want.push([g.dWax, n_a * n_x], [g.dWaa, n_a * n_a], [g.dba, n_a]);
  else {
    want.push([into.dc, S], [into.dc0, n_a * m]);
    if (keepGateGrads) want.push([into.dft, S], [into.dit, S], [into.dcct, S], [into.dot, S]);
    for (const k of GATE_BLOCKS) want.push([g[`dW${k}`], n_a * nz], [g[`db${k}`], n_a]);
  }
  const fits = into.cell === cell && into.T_b === T_b && want.every(([b, n]) => b?.length === n) &&
    (keepGateGrads || into.dft === undefined);
  if (!fits) {
    throw new Error(`the backward caches given to reuse are not those of a ${cell} with n_x=${n_x} n_a=${n_a} m=${m} T_b=${T_b}` +
      `${cell === 'lstm' ? (keepGateGrads ? ' keeping' : ' without') + ' the gate gradients' : ''}`);
  }
  return into;
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
  /** da is the ones of a fixture without da, not held (layout.ts `lazyOnesDa`): daC stays all ones. */
  private readonly daOnes: boolean;
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
  /** LSTM, wasm cell backward: this step's [da_next; c⟨t⟩; c⟨t-1⟩; ft; it; cct; ot] (7·n_a·m); RNN: [da_next; a⟨t⟩]. */
  private readonly cellIn: Float64Array;
  /** a⟨t-1⟩ of this step copied into the workspace, for the wasm copy into Z's columns. */
  private readonly aStage: Float64Array;
  /** One step's dx (n_x, m) gathered out of the chunk's dXc by the wasm copyRows, then block-copied out. */
  private readonly dxStage: Float64Array;
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
    readonly keepGateGrads: boolean, resume?: BackwardResume, into?: BackwardCaches,
  ) {
    const { n_x, n_a, m, T_x } = model.dims;
    const H = model.H, nz = n_a + n_x;
    const T_b = problem.da.shape[2] ?? 1;
    if (T_b > T_x) throw new Error(`da has ${T_b} steps but the forward pass has only ${T_x}`);
    this.T_b = T_b;
    this.bwd = into ? reuseBackward(model.cell, model.dims, T_b, keepGateGrads, into) : allocBackward(model.cell, model.dims, T_b, keepGateGrads);
    this.x = problem.x.data;
    this.daUp = problem.da.data;
    this.Tc = chunkSteps(m, T_b);
    const ld = (this.ldc = this.Tc * m);
    const lstm = model.cell === 'lstm';
    const Gs = gatherSteps(this.Tc, n_x, n_a, m);
    // the gathered x and da live in the workspace too, so the wasm kernels read them in place
    const sizes = [n_a * H, n_x * H, n_a * m, H * ld, ld * nz, n_x * ld, H * nz, H * m, n_a * m, (lstm ? 7 : 2) * n_a * m, H,
      Gs * n_x * m, Gs * n_a * m, n_a * m, n_x * m];
    const ws = (this.ws = kernels.workspace(sizes.reduce((p, q) => p + q, 0), sizes.length));
    this.carryC = ws.alloc(n_a * m);
    if (problem.dcFinal) this.carryC.set(problem.dcFinal.data);
    this.cellIn = lstm && ws.lstmBackward ? ws.alloc(7 * n_a * m) : !lstm && ws.tanhBackward ? ws.alloc(2 * n_a * m) : new Float64Array(0);
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
    this.G = Gs;
    this.xC = ws.alloc(Gs * n_x * m);
    this.daC = ws.alloc(Gs * n_a * m);
    this.aStage = ws.alloc(n_a * m);
    this.dxStage = ws.alloc(n_x * m);
    this.daOnes = daIsLazyOnes(problem);
    if (this.daOnes) this.daC.fill(1);
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

  /** The pass is done: its workspace memory goes back to the kernels now (no step may follow). */
  release(): void {
    this.ws.release?.();
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
      // (block copies: TypedArray.set is a memcpy, the element loops they replace were ~5 % of S3's run)
      const inp = this.cellIn, c = f.c!;
      const da = inp.subarray(0, S);
      if (ws.addVec) ws.addVec(da, daC, dco, carryA, S); // da_next reaching step t: upstream + carried
      else for (let q = 0; q < S; q++) da[q] = daC[dco + q] + carryA[q];
      daRec.set(da, o);
      inp.set(c.subarray(o, o + S), S);
      inp.set(f.ft!.subarray(o, o + S), 3 * S);
      inp.set(f.it!.subarray(o, o + S), 4 * S);
      inp.set(f.cct!.subarray(o, o + S), 5 * S);
      inp.set(f.ot!.subarray(o, o + S), 6 * S);
      const c0 = this.problem.c0?.data;
      if (t > 0) inp.set(c.subarray(o - S, o), 2 * S);
      else if (c0) inp.set(c0, 2 * S);
      else inp.fill(0, 2 * S, 3 * S);
      bw.dc!.set(carryC, o);
      ws.lstmBackward(inp, S, carryC, Ds);
      if (this.keepGateGrads && bw.dft !== undefined) {
        bw.dft.set(Ds.subarray(0, S), o);
        bw.dit!.set(Ds.subarray(S, 2 * S), o);
        bw.dcct!.set(Ds.subarray(2 * S, 3 * S), o);
        bw.dot!.set(Ds.subarray(3 * S, 4 * S), o);
      }
    } else if (model.cell === 'rnn' && ws.addVec && ws.tanhBackward) {
      // da_next reaching step t (upstream + carried) and dtanh = da_next ⊙ (1 − a²), in wasm
      const da = this.cellIn.subarray(0, S), at = this.cellIn.subarray(S, 2 * S);
      ws.addVec(da, daC, dco, carryA, S);
      daRec.set(da, o);
      at.set(f.a.subarray(o, o + S));
      ws.tanhBackward(Ds, da, at, S);
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
    if (ws.gemmNT && ws.copyRows) {
      // a⟨t-1⟩ is outside the workspace: one block copy in, then the strided copies in wasm
      this.aStage.set(aPrev.subarray(aOff, aOff + S));
      ws.copyRows(Zt, col, ld, this.aStage, 0, m, n_a, m, null);
      ws.copyRows(Zt, n_a * ld + col, ld, x, xo, m, n_x, m, null);
    } else if (ws.gemmNT) {
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
    if (!this.daOnes) gatherBack(this.daUp, this.T_b, this.daC, n_a * m, t, gl);
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
        if (ws.copyRows) {
          ws.copyRows(this.dxStage, 0, m, dXc, s * m, ld, n_x, m, null);
          dx.set(this.dxStage, to);
          continue;
        }
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
      GATE_BLOCKS.forEach((g, gi) => {
        bw.grads[`dW${g}`].set(dWz.subarray(gi * n_a * nz, (gi + 1) * n_a * nz));
        bw.grads[`db${g}`].set(this.db.subarray(gi * n_a, (gi + 1) * n_a));
      });
    }
    this.finalized = true;
  }
}
