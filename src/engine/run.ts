/**
 * The engine's public entry points over a `Problem`: forward, backward, run, the streaming
 * `Runner`, and `cellBackwardAt` (one step's backward quantities, recomputed from the caches).
 */

import { ForwardPass, buildModel, type Model } from './core';
import { BackwardPass } from './coreBackward';
import { getKernels } from './backend';
import { jsGemmNN, type Kernels } from './kernels';
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
    return bp.finished;
  }
}

export function createRunner(problem: Problem, opts?: BackwardOptions): Runner {
  return new StreamingRunner(problem, opts?.keepGateGrads ?? true);
}

export function forward(problem: Problem): ForwardCaches {
  const model = modelOf(problem);
  const fp = new ForwardPass(model, problem, kernelsFor(model));
  while (!fp.finished) fp.step();
  return fp.fwd;
}

export function backward(problem: Problem, fwd: ForwardCaches, opts?: BackwardOptions): BackwardCaches {
  checkProblem(problem);
  const model = modelOf(problem);
  const bp = new BackwardPass(model, problem, fwd, kernelsFor(model), opts?.keepGateGrads ?? true);
  while (!bp.finished) {
    bp.step();
    if (bp.stepsComputed >= bp.bwd.T_b) bp.flush();
  }
  return bp.bwd;
}

export function run(problem: Problem, opts?: BackwardOptions): RunResult {
  const r = createRunner(problem, opts);
  r.advance(Infinity);
  return { problem, forward: r.forward, backward: r.backward };
}

/**
 * One step's backward quantities, recomputed from the caches (one cell backward): the gate
 * gradients, dxt, da_prev (dc_prev), and this step's dW/db contribution d·zᵀ / Σ_batch d, in
 * NumPy's cell_backward shapes, row-major. The three products (Waᵀ·d, Wxᵀ·d, d·zᵀ) run through the
 * JS matrix kernel, so stepping backward through a big LSTM in the panel stays interactive.
 */
export function cellBackwardAt(
  problem: Problem, fwd: ForwardCaches, bwd: BackwardCaches, t: number,
): Record<string, Float64Array> {
  if (!Number.isInteger(t) || t < 0 || t >= bwd.T_b) throw new Error(`cellBackwardAt: step ${t} is outside the back-propagated range 0..${bwd.T_b - 1}`);
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
