/**
 * The engine's public entry points over a `Problem`: forward, backward, run, the streaming
 * `Runner`, and `cellBackwardAt` (one step's backward quantities, recomputed from the caches).
 */

import { ForwardPass, GATE_BLOCKS, buildModel, type Model } from './core';
import { BackwardPass } from './coreBackward';
import { getKernels } from './backend';
import type { Kernels, Workspace } from './kernels';
import type { BackwardCaches, ForwardCaches, Problem, RunResult } from './types';
import { now } from './hostGlobals';

export interface Runner {
  /** Preallocated; steps < forwardDone are valid. */
  readonly forward: ForwardCaches;
  /** Preallocated; backward steps t >= T_b - backwardDone are valid. */
  readonly backward: BackwardCaches;
  readonly forwardDone: number;
  readonly backwardDone: number;
  /** Gradients (dW*, db*, da0, dc0) are valid only when finished. */
  readonly finished: boolean;
  /** Compute until about `budgetMs` has passed or `maxSteps` more steps are done; returns finished. */
  advance(budgetMs: number, maxSteps?: number): boolean;
}

export interface BackwardOptions {
  /** Store the LSTM gate gradients dft/dit/dcct/dot for every step (default true). */
  keepGateGrads?: boolean;
}

const models = new WeakMap<Problem, Model>();
/** The stacked/transposed weights of a problem, built once per Problem object. */
export function modelOf(problem: Problem): Model {
  let m = models.get(problem);
  if (!m) {
    m = buildModel(problem);
    models.set(problem, m);
  }
  return m;
}

function checkProblem(problem: Problem): void {
  const T_b = problem.da.shape[2];
  if (problem.da.shape.length !== 3 || !(T_b >= 1) || T_b > problem.dims.T_x) {
    throw new Error(`da must have shape (n_a, m, T_b) with 1 <= T_b <= T_x = ${problem.dims.T_x}; got (${problem.da.shape.join(', ')})`);
  }
}

/** Kernels for a model: by its multiply-adds per step (see backend.ts). */
export function kernelsFor(model: Model): Kernels {
  const { n_x, n_a, m } = model.dims;
  return getKernels(model.H * (n_a + n_x) * m);
}


class StreamingRunner implements Runner {
  private readonly fp: ForwardPass;
  private readonly bp: BackwardPass;
  constructor(problem: Problem, keepGateGrads: boolean) {
    checkProblem(problem);
    const model = modelOf(problem);
    const k = kernelsFor(model);
    this.fp = new ForwardPass(model, problem, k);
    this.bp = new BackwardPass(model, problem, this.fp.fwd, k, keepGateGrads);
  }
  get forward(): ForwardCaches {
    return this.fp.fwd;
  }
  get backward(): BackwardCaches {
    return this.bp.bwd;
  }
  get forwardDone(): number {
    return this.fp.done;
  }
  get backwardDone(): number {
    return this.bp.done;
  }
  get finished(): boolean {
    return this.bp.finished;
  }
  advance(budgetMs: number, maxSteps = Infinity): boolean {
    const fp = this.fp, bp = this.bp;
    const timed = Number.isFinite(budgetMs);
    const t0 = timed ? now() : 0;
    let n = 0;
    while (!bp.finished && n < maxSteps) {
      if (!fp.finished) fp.step();
      else bp.step();
      n++;
      if (timed && now() - t0 >= budgetMs) break;
    }
    bp.flush();
    // (a finished pass's workspace is not needed any more: the next run reuses its pages)
    if (fp.finished) fp.release();
    if (bp.finished) bp.release();
    return bp.finished;
  }
}

export function createRunner(problem: Problem, opts?: BackwardOptions): Runner {
  return new StreamingRunner(problem, opts?.keepGateGrads ?? true);
}

/** Where a `forward` / `backward` writes: the caches of an earlier run of the same shape, no longer needed. */
export interface ReuseOptions<C> {
  /**
   * Reuse these arrays instead of allocating (their contents are overwritten): a repeated run
   * touches no fresh memory, like NumPy's arrays reusing what its allocator got back from the run
   * before. Throws when they are not of this problem's shape.
   */
  into?: C;
}

export function forward(problem: Problem, opts?: ReuseOptions<ForwardCaches>): ForwardCaches {
  const model = modelOf(problem);
  const fp = new ForwardPass(model, problem, kernelsFor(model), opts?.into);
  while (!fp.finished) fp.step();
  fp.release();
  return fp.fwd;
}

export function backward(problem: Problem, fwd: ForwardCaches, opts?: BackwardOptions & ReuseOptions<BackwardCaches>): BackwardCaches {
  checkProblem(problem);
  const model = modelOf(problem);
  const bp = new BackwardPass(model, problem, fwd, kernelsFor(model), opts?.keepGateGrads ?? true, undefined, opts?.into);
  while (!bp.finished) {
    bp.step();
    if (bp.stepsComputed >= bp.bwd.T_b) bp.flush();
  }
  bp.release();
  return bp.bwd;
}

export function run(problem: Problem, opts?: BackwardOptions): RunResult {
  const r = createRunner(problem, opts);
  r.advance(Infinity);
  return { problem, forward: r.forward, backward: r.backward };
}

/**
 * The operands of `cellBackwardAt` for one model, in a workspace of the kernels the model's run
 * uses (WebAssembly above the size threshold), built on the first call and reused: stepping
 * backward through a big LSTM costs two products a step, not a workspace and a weight copy.
 */
interface CellScratch {
  readonly kernels: Kernels;
  readonly ws: Workspace;
  readonly WaT: Float64Array;
  /** (H, m): this step's gradients w.r.t. the pre-activations, rows [f; i; c; o] for an LSTM. */
  readonly Ds: Float64Array;
  /** The run's LSTM cell-backward kernel inputs [da_next; c⟨t⟩; c⟨t-1⟩; ft; it; cct; ot] and dc in/out. */
  readonly inp: Float64Array;
  readonly dc: Float64Array;
  readonly daPrev: Float64Array;
  /** z = [a_prev; x⟨t⟩]: (nz, m) with a transposed-operand product, else zᵀ (m, nz). */
  readonly Z: Float64Array;
  readonly dW: Float64Array;
  readonly db: Float64Array;
}

const cellScratch = new WeakMap<Model, CellScratch>();

function scratchFor(model: Model): CellScratch {
  const kernels = kernelsFor(model);
  const had = cellScratch.get(model);
  if (had && had.kernels === kernels) return had;
  const { n_x, n_a, m } = model.dims;
  const H = model.H, S = n_a * m, nz = n_a + n_x;
  const lstm = model.cell === 'lstm';
  const sizes = [n_a * H, H * m, lstm ? 7 * S : 0, lstm ? S : 0, S, nz * m, H * nz, H];
  const ws = kernels.workspace(sizes.reduce((p, q) => p + q, 0), sizes.length);
  const WaT = ws.alloc(n_a * H);
  WaT.set(model.WaT);
  const sc: CellScratch = {
    kernels, ws, WaT, Ds: ws.alloc(H * m), inp: ws.alloc(sizes[2]), dc: ws.alloc(sizes[3]), daPrev: ws.alloc(S),
    Z: ws.alloc(nz * m), dW: ws.alloc(H * nz), db: ws.alloc(H),
  };
  cellScratch.set(model, sc);
  return sc;
}

function need(b: Float64Array | undefined, what: string): Float64Array {
  if (!b) throw new Error(`cellBackwardAt: the LSTM run has no ${what} cache`);
  return b;
}

/**
 * Step t's gradients w.r.t. the pre-activations into `sc.Ds` (and, for an LSTM, dc_prev into
 * `sc.dc` when the wasm kernel ran, else returned): the run's own elementwise step (the wasm
 * `lstmBackward` kernel when the workspace has it, else the same JavaScript expressions in the
 * same order).
 */
function gateGradsAt(problem: Problem, model: Model, sc: CellScratch, fwd: ForwardCaches, bwd: BackwardCaches, t: number): Float64Array | undefined {
  const { n_a, m } = model.dims;
  const S = n_a * m, o = t * S;
  const { ws, Ds } = sc;
  const daN = bwd.da;
  if (model.cell === 'rnn') {
    const a = fwd.a;
    for (let q = 0; q < S; q++) {
      const av = a[o + q];
      Ds[q] = daN[o + q] * (1 - av * av);
    }
    return undefined;
  }
  const c = need(fwd.c, 'c'), ft = need(fwd.ft, 'ft'), it = need(fwd.it, 'it'), cct = need(fwd.cct, 'cct'), ot = need(fwd.ot, 'ot');
  const dcN = need(bwd.dc, 'dc');
  const c0 = problem.c0?.data;
  if (ws.lstmBackward) {
    // the run's wasm cell backward (coreBackward.ts), on the same operands
    const inp = sc.inp;
    inp.set(daN.subarray(o, o + S), 0);
    inp.set(c.subarray(o, o + S), S);
    if (t > 0) inp.set(c.subarray(o - S, o), 2 * S);
    else if (c0) inp.set(c0.subarray(0, S), 2 * S);
    else inp.fill(0, 2 * S, 3 * S);
    inp.set(ft.subarray(o, o + S), 3 * S);
    inp.set(it.subarray(o, o + S), 4 * S);
    inp.set(cct.subarray(o, o + S), 5 * S);
    inp.set(ot.subarray(o, o + S), 6 * S);
    sc.dc.set(dcN.subarray(o, o + S));
    ws.lstmBackward(inp, S, sc.dc, Ds);
    return sc.dc;
  }
  const dcPrev = new Float64Array(S);
  for (let q = 0; q < S; q++) {
    const g = o + q;
    const tc = Math.tanh(c[g]);
    const ov = ot[g], iv = it[g], cv = cct[g], fv = ft[g];
    const cPrev = t > 0 ? c[g - S] : c0 ? c0[q] : 0;
    const dC = dcN[g] + daN[g] * ov * (1 - tc * tc);
    Ds[3 * S + q] = daN[g] * tc * ov * (1 - ov);
    Ds[2 * S + q] = dC * iv * (1 - cv * cv);
    Ds[S + q] = dC * cv * iv * (1 - iv);
    Ds[q] = dC * cPrev * fv * (1 - fv);
    dcPrev[q] = dC * fv;
  }
  return dcPrev;
}

/** Step t's dW = d·zᵀ and db = Σ_batch d into `sc.dW` (H, nz) and `sc.db` (H), from `sc.Ds`. */
function stackedParamGradsAt(problem: Problem, model: Model, sc: CellScratch, fwd: ForwardCaches, t: number): void {
  const { n_x, n_a, m, T_x } = model.dims;
  const H = model.H, S = n_a * m, o = t * S, nz = n_a + n_x;
  const { ws, Ds, Z, dW, db } = sc;
  const aPrev = t === 0 ? problem.a0.data : fwd.a.subarray(o - S, o);
  const x = problem.x.data;
  if (ws.gemmNT) {
    // dW = d·zᵀ with z (nz, m) as it is
    Z.set(aPrev.subarray(0, S), 0);
    for (let q = 0; q < n_x * m; q++) Z[S + q] = x[q * T_x + t];
    ws.gemmNT(H, nz, m, Ds, 0, m, Z, 0, m, dW, 0, nz, false);
  } else {
    // zᵀ = [a_prev; x⟨t⟩]ᵀ as (m, nz), so dW = d·zᵀ is a plain product
    for (let k = 0; k < n_a; k++) for (let j = 0; j < m; j++) Z[j * nz + k] = aPrev[k * m + j];
    for (let k = 0; k < n_x; k++) for (let j = 0; j < m; j++) Z[j * nz + n_a + k] = x[(k * m + j) * T_x + t];
    ws.gemmNN(H, nz, m, Ds, 0, m, Z, 0, nz, dW, 0, nz, false);
  }
  db.fill(0);
  if (ws.rowSumsAdd) ws.rowSumsAdd(Ds, 0, m, H, m, db);
  else {
    for (let r = 0; r < H; r++) {
      let s = 0;
      const ro = r * m;
      for (let j = 0; j < m; j++) s += Ds[ro + j];
      db[r] = s;
    }
  }
}

/**
 * The stacked dW/db of the scratch as NumPy's named gradients: `copy` false gives views of the
 * scratch where the layout allows (an LSTM gate's rows are contiguous; an RNN's dWax/dWaa split
 * the columns, so they are copied either way).
 */
function namedParamGrads(model: Model, sc: CellScratch, out: Record<string, Float64Array>, copy: boolean): void {
  const { n_x, n_a } = model.dims;
  const nz = n_a + n_x, { dW, db } = sc;
  if (model.cell === 'rnn') {
    const dWaa = new Float64Array(n_a * n_a), dWax = new Float64Array(n_a * n_x);
    for (let r = 0; r < n_a; r++) {
      dWaa.set(dW.subarray(r * nz, r * nz + n_a), r * n_a);
      dWax.set(dW.subarray(r * nz + n_a, (r + 1) * nz), r * n_x);
    }
    out.dWax = dWax;
    out.dWaa = dWaa;
    out.dba = copy ? db.slice() : db;
  } else {
    GATE_BLOCKS.forEach((g, gi) => {
      const w = dW.subarray(gi * n_a * nz, (gi + 1) * n_a * nz), b = db.subarray(gi * n_a, (gi + 1) * n_a);
      out[`dW${g}`] = copy ? w.slice() : w;
      out[`db${g}`] = copy ? b.slice() : b;
    });
  }
}

/**
 * One step's backward quantities, recomputed from the caches (one cell backward): the gate
 * gradients, dxt, da_prev (dc_prev), and this step's dW/db contribution d·zᵀ / Σ_batch d, in
 * NumPy's cell_backward shapes, row-major (fresh arrays).
 *
 * Bit-identical to the run on the same kernels: the gate gradients and dc_prev come from the
 * run's own elementwise step (see `gateGradsAt`), da_prev = Waᵀ·d from the same product call on
 * the same operand layout, and dxt is the run's dx⟨t⟩ itself (the run computes it in a product
 * batched over a chunk of steps, whose sums need not match a one-step product's in the last bit).
 * dW and db are not stored per step by the run; they use its kernels (gemmNT / rowSumsAdd).
 */
export function cellBackwardAt(
  problem: Problem, fwd: ForwardCaches, bwd: BackwardCaches, t: number,
): Record<string, Float64Array> {
  if (!Number.isInteger(t) || t < 0 || t >= bwd.T_b) throw new Error(`cellBackwardAt: step ${t} is outside the back-propagated range 0..${bwd.T_b - 1}`);
  const model = modelOf(problem);
  const { n_x, n_a, m } = model.dims;
  const H = model.H, S = n_a * m;
  const sc = scratchFor(model);
  const { ws, Ds } = sc;
  const out: Record<string, Float64Array> = {};
  const dcPrev = gateGradsAt(problem, model, sc, fwd, bwd, t);
  if (model.cell === 'rnn') out.dtanh = Ds.slice();
  else {
    out.dc_prev = dcPrev === sc.dc ? sc.dc.slice() : need(dcPrev, 'dc_prev');
    out.dft = Ds.slice(0, S);
    out.dit = Ds.slice(S, 2 * S);
    out.dcct = Ds.slice(2 * S, 3 * S);
    out.dot = Ds.slice(3 * S, 4 * S);
  }
  ws.gemmNN(n_a, m, H, sc.WaT, 0, H, Ds, 0, m, sc.daPrev, 0, m, false);
  out.dxt = bwd.dx.slice(t * n_x * m, (t + 1) * n_x * m);
  out.da_prev = sc.daPrev.slice();
  stackedParamGradsAt(problem, model, sc, fwd, t);
  namedParamGrads(model, sc, out, true);
  return out;
}

/**
 * Step t's contribution to the weight gradients only (dW…, db…: what the running sums add up),
 * the same numbers as `cellBackwardAt`'s, without da_prev's product and the copies: about half
 * its cost. The arrays are views of a scratch shared by the model's calls, valid until the next
 * call of this function or `cellBackwardAt` (add them up at once).
 */
export function paramGradsAt(
  problem: Problem, fwd: ForwardCaches, bwd: BackwardCaches, t: number,
): Record<string, Float64Array> {
  if (!Number.isInteger(t) || t < 0 || t >= bwd.T_b) throw new Error(`paramGradsAt: step ${t} is outside the back-propagated range 0..${bwd.T_b - 1}`);
  const model = modelOf(problem);
  const sc = scratchFor(model);
  gateGradsAt(problem, model, sc, fwd, bwd, t);
  stackedParamGradsAt(problem, model, sc, fwd, t);
  const out: Record<string, Float64Array> = {};
  namedParamGrads(model, sc, out, false);
  return out;
}
