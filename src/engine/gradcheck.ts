/**
 * Finite-difference gradient check of L = Σ da⊙a[:,:,:T_b] (+ Σ dcFinal⊙c⟨T_b-1⟩ for the LSTM).
 *
 * Each probed entry θ is moved to θ+h and θ−h and the two forward passes are run in lockstep, so
 * the numeric derivative is computed as Σ da⊙(a⁺−a⁻) / 2h: the difference is taken per element
 * before summing, which avoids cancelling two large, nearly equal losses. Probes of x at step t
 * start from the unperturbed state at t−1 (earlier steps do not depend on x⟨t⟩).
 *
 * The forward used here is a separate, simple one-step-at-a-time loop (no chunking, its own
 * activations), on the engine's matmul kernel.
 *
 * Entries of x, a0 and c0 in batch column j only move column j (the columns of a batch never
 * mix), so they are probed on the one-column problem of column j: m times less work per probe,
 * which is what makes the check usable at S3 sizes (n_a = 256, m = 32, T = 200).
 *
 * Relative error of an entry: |a−n| / max(|a|+|n|, G, 1e-8), where G is the largest |analytic|
 * gradient over the probed entries of the array. Entries much smaller than the array's scale are
 * judged against that scale instead of their own: the numeric derivative carries a round-off of
 * about ulp(a)/h ≈ 1e-10 whatever the entry's size, so a pure relative error of a tiny entry
 * would flag correct code. With h = 1e-6, correct gradients give ~1e-9 or less; a wrong formula
 * gives errors of the order of 1.
 */

import { buildModel, type Model } from './core';
import { daIsLazyOnes, daValues, ndToStepMajor } from './layout';
import { Rng } from './random';
import type { Workspace } from './kernels';
import { kernelsFor, run } from './run';
import type { BackwardCaches, GradcheckEntry, GradcheckRow, NdArray, Problem, RunResult } from './types';

export interface GradcheckOptions {
  /** Step h of the central difference (default 1e-6). */
  eps?: number;
  /** Probe at most this many entries per array, chosen with `seed` (default 64). */
  maxEntries?: number;
  seed?: number;
  /** Called after each probed entry: probes done, probes in all, the gradient being probed. */
  onProgress?: (done: number, total: number, name: string) => void;
  /**
   * The gradients to check against the finite differences (default: the engine's own backward
   * of `problem`): lets a caller check gradients computed elsewhere, and a test plant a wrong one.
   */
  gradients?: Pick<BackwardCaches, 'dx' | 'da0' | 'dc0' | 'grads'>;
}

/** Where a step-wise check is: probes done, probes in all, the gradient being probed. */
export interface GradcheckProgress {
  done: number;
  total: number;
  name: string;
}

interface State { a: Float64Array; c: Float64Array; g: Float64Array }

/** One forward step through a model whose Wa/Wx (and the states' a, g and `xt`) live in `ws`. */
function cellStep(ws: Workspace, xt: Float64Array, model: Model, x: Float64Array, t: number, s: State, next: State): void {
  const { n_x, n_a, m } = model.dims;
  const H = model.H, S = n_a * m, g = next.g, nxm = n_x * m;
  const xo = t * nxm;
  for (let q = 0; q < nxm; q++) xt[q] = x[xo + q];
  ws.gemmNN(H, m, n_x, model.Wx, 0, n_x, xt, 0, m, g, 0, m, false);
  ws.gemmNN(H, m, n_a, model.Wa, 0, n_a, s.a, 0, m, g, 0, m, true);
  for (let r = 0; r < H; r++) {
    const br = model.b[r];
    for (let j = 0; j < m; j++) g[r * m + j] += br;
  }
  if (model.cell === 'rnn') {
    for (let q = 0; q < S; q++) next.a[q] = Math.tanh(g[q]);
  } else {
    for (let q = 0; q < S; q++) {
      const f = 1 / (1 + Math.exp(-g[q])), i = 1 / (1 + Math.exp(-g[S + q]));
      const cc = Math.tanh(g[2 * S + q]), o = 1 / (1 + Math.exp(-g[3 * S + q]));
      const c = f * s.c[q] + i * cc;
      next.c[q] = c;
      next.a[q] = o * Math.tanh(c);
    }
  }
}

/** Batch column j of a problem, as a problem of its own (m = 1). */
function columnProblem(p: Problem, j: number): Problem {
  const { m } = p.dims;
  const col3 = (a: NdArray): NdArray => {
    const [n, , T] = a.shape as [number, number, number];
    const data = new Float64Array(n * T);
    for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) data[i * T + t] = a.data[(i * m + j) * T + t]!;
    return { shape: [n, 1, T], data };
  };
  const col2 = (a: NdArray): NdArray => {
    const n = a.shape[0]!;
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = a.data[i * m + j]!;
    return { shape: [n, 1], data };
  };
  const q: Problem = { ...p, dims: { ...p.dims, m: 1 }, x: col3(p.x), a0: col2(p.a0), da: col3(p.da) };
  if (p.c0) q.c0 = col2(p.c0);
  if (p.dcFinal) q.dcFinal = col2(p.dcFinal);
  return q;
}

/** Numeric derivatives of the loss of one problem, entry by entry. */
interface Prober {
  dx(i: number, j: number, t: number): number;
  da0(i: number, j: number): number;
  dc0(i: number, j: number): number;
  param(arr: 'Wa' | 'Wx' | 'b', q: number): number;
}

function makeProber(problem: Problem, h: number): { prober: Prober; res: RunResult } {
  const res = run(problem);
  const base = buildModel(problem);
  const { n_x, n_a, m, T_x } = base.dims;
  const T_b = res.backward.T_b, S = n_a * m, H = base.H, lstm = base.cell === 'lstm';
  const x0 = ndToStepMajor({ shape: [n_x, m, T_x], data: problem.x.data });
  const da = ndToStepMajor({ shape: [n_a, m, T_b], data: problem.da.data });
  const dcFinal = problem.dcFinal?.data;
  const a0 = problem.a0.data, c0 = problem.c0?.data ?? new Float64Array(S);
  const fa = res.forward.a, fc = res.forward.c;

  // The ± forwards run on the engine's matmul kernels, out of one workspace.
  const ws = kernelsFor(base).workspace(3 * H * (n_a + n_x) + 4 * S + 4 * H * m + n_x * m, 11);
  const inWs = (src: Float64Array): Float64Array => {
    const a = ws.alloc(src.length);
    a.set(src);
    return a;
  };
  const wsModel = (mo: Model): Model => ({ ...mo, Wa: inWs(mo.Wa), Wx: inWs(mo.Wx), b: mo.b.slice() });
  const newState = (): State => ({ a: ws.alloc(S), c: new Float64Array(S), g: ws.alloc(H * m) });
  const xt = ws.alloc(n_x * m);
  const baseW = wsModel(base);
  const sp = [newState(), newState()], sm = [newState(), newState()];
  /** Σ da⊙(a⁺−a⁻) (+ dcFinal term) for two models/inputs, both started at step t0. */
  const lossDiff = (mp: Model, mm: Model, xp: Float64Array, xm: Float64Array, t0: number,
    a0p: Float64Array, a0m: Float64Array, c0p: Float64Array, c0m: Float64Array): number => {
    sp[0].a.set(a0p); sp[0].c.set(c0p); sm[0].a.set(a0m); sm[0].c.set(c0m);
    let cur = 0, acc = 0;
    for (let t = t0; t < T_b; t++) {
      const nx = 1 - cur;
      cellStep(ws, xt, mp, xp, t, sp[cur], sp[nx]);
      cellStep(ws, xt, mm, xm, t, sm[cur], sm[nx]);
      const ap = sp[nx].a, am = sm[nx].a, o = t * S;
      for (let q = 0; q < S; q++) acc += da[o + q] * (ap[q] - am[q]);
      cur = nx;
    }
    if (lstm && dcFinal) {
      const cp = sp[cur].c, cm = sm[cur].c;
      for (let q = 0; q < S; q++) acc += dcFinal[q] * (cp[q] - cm[q]);
    }
    return acc;
  };

  const xp = x0.slice(), xm = x0.slice();
  const zeroA = new Float64Array(S);
  const a0p = a0.slice(), a0m = a0.slice();
  const c0p = c0.slice(), c0m = c0.slice();
  const mp = wsModel(base), mm = wsModel(base);
  const prober: Prober = {
    dx(i, j, t) {
      const q = t * n_x * m + i * m + j, v = x0[q];
      xp[q] = v + h; xm[q] = v - h;
      const aStart = t === 0 ? a0 : fa.subarray((t - 1) * S, t * S);
      const cStart = !lstm ? zeroA : t === 0 ? c0 : fc!.subarray((t - 1) * S, t * S);
      const d = lossDiff(baseW, baseW, xp, xm, t, aStart, aStart, cStart, cStart);
      xp[q] = v; xm[q] = v;
      return d / (2 * h);
    },
    da0(i, j) {
      const e = i * m + j;
      a0p[e] = a0[e] + h; a0m[e] = a0[e] - h;
      const d = lossDiff(baseW, baseW, x0, x0, 0, a0p, a0m, c0, c0);
      a0p[e] = a0[e]; a0m[e] = a0[e];
      return d / (2 * h);
    },
    dc0(i, j) {
      const e = i * m + j;
      c0p[e] = c0[e] + h; c0m[e] = c0[e] - h;
      const d = lossDiff(baseW, baseW, x0, x0, 0, a0, a0, c0p, c0m);
      c0p[e] = c0[e]; c0m[e] = c0[e];
      return d / (2 * h);
    },
    param(arr, q) {
      const v = base[arr][q];
      mp[arr][q] = v + h; mm[arr][q] = v - h;
      const d = lossDiff(mp, mm, x0, x0, 0, a0, a0, c0, c0);
      mp[arr][q] = v; mm[arr][q] = v;
      return d / (2 * h);
    },
  };
  return { prober, res };
}

/**
 * The default step and sample of a check (the CLI's and the panel's): h = 1e-6, or 1e-5 past 1e5
 * terms in the loss (S3: 1.6e6), where the round-off of Σ da⊙(a⁺−a⁻)/2h grows to ~1e-7 while the
 * truncation stays ~1e-10; 64 entries per gradient, fewer when a parameter probe (two forwards
 * over the whole batch and time) is expensive, so the parameter probes stay within ~400 GFLOP (a
 * minute of CPU here): S3's LSTM gets 4 per gradient. x/a0/c0 probes run on one batch column.
 */
export function gradcheckDefaults(problem: Problem): { eps: number; samples: number } {
  const { n_x, n_a, m } = problem.dims;
  const T_b = problem.da.shape[2] ?? 1;
  const eps = n_a * m * T_b > 1e5 ? 1e-5 : 1e-6;
  const H = problem.cell === 'lstm' ? 4 * n_a : n_a;
  const probeFlops = 2 * T_b * 2 * H * m * (n_a + n_x);
  const paramRows = problem.cell === 'lstm' ? 8 : 3;
  const samples = Math.max(2, Math.min(64, Math.floor(400e9 / (paramRows * probeFlops))));
  return { eps, samples };
}

/** The check in one go (the CLI): `gradcheckSteps` run to its end. */
export function gradcheck(problem: Problem, o?: GradcheckOptions): GradcheckRow[] {
  const it = gradcheckSteps(problem, o);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/**
 * The check one probed entry at a time: yields after each probe (and calls `onProgress`), returns
 * the rows. A caller that must stay responsive (the panel's check thread) yields to its event loop
 * between probes, and stops by no longer calling `next`.
 */
export function* gradcheckSteps(given: Problem, o?: GradcheckOptions): Generator<GradcheckProgress, GradcheckRow[]> {
  // The probes weigh every step by da: a fixture without da gets its ones now (the check holds
  // every step's caches anyway, far more than da).
  const problem = daIsLazyOnes(given) ? { ...given, da: daValues(given) } : given;
  const h = o?.eps ?? 1e-6;
  const maxEntries = o?.maxEntries ?? 64;
  const rng = new Rng(o?.seed ?? 0);
  const { prober: full, res: engineRes } = makeProber(problem, h);
  const res = o?.gradients ? { ...engineRes, backward: { ...engineRes.backward, ...o.gradients } } : engineRes;
  const { n_x, n_a, m } = problem.dims;
  const T_b = res.backward.T_b, lstm = problem.cell === 'lstm';
  // One-column probers, made when first needed (x, a0, c0 entries of column j); a few are kept
  // (each holds a copy of the weights: ~10 MB at S3), the probes come sorted by column mostly.
  const columns = new Map<number, Prober>();
  const column = (j: number): Prober => {
    if (m === 1) return full;
    let p = columns.get(j);
    if (!p) {
      const oldest = columns.keys().next();
      if (columns.size >= 4 && !oldest.done) columns.delete(oldest.value);
      p = makeProber(columnProblem(problem, j), h).prober;
      columns.set(j, p);
    }
    return p;
  };

  const pick = (total: number): number[] => {
    if (total <= maxEntries) return Array.from({ length: total }, (_, i) => i);
    const seen = new Set<number>();
    while (seen.size < maxEntries) seen.add(rng.int(total));
    return [...seen].sort((p, q) => p - q);
  };

  interface Plan { name: string; shape: number[]; analytic: (i: number) => number; numeric: (i: number) => number; idx: number[] }
  const plans: Plan[] = [];
  const plan = (name: string, shape: number[], analytic: (i: number) => number, numeric: (i: number) => number): void => {
    plans.push({ name, shape, analytic, numeric, idx: pick(shape.reduce((p, d) => p * d, 1)) });
  };

  // dx (n_x, m, T_b): entry (i, j, t)
  plan('dx', [n_x, m, T_b], (e) => {
    const i = Math.floor(e / (m * T_b)), j = Math.floor(e / T_b) % m, t = e % T_b;
    return res.backward.dx[t * n_x * m + i * m + j];
  }, (e) => {
    const i = Math.floor(e / (m * T_b)), j = Math.floor(e / T_b) % m, t = e % T_b;
    return column(j).dx(i, 0, t);
  });
  plan('da0', [n_a, m], (e) => res.backward.da0[e], (e) => column(e % m).da0(Math.floor(e / m), 0));
  if (lstm) plan('dc0', [n_a, m], (e) => res.backward.dc0![e], (e) => column(e % m).dc0(Math.floor(e / m), 0));
  const grads = res.backward.grads;
  const gates = lstm ? (['f', 'i', 'c', 'o'] as const) : ([''] as const);
  gates.forEach((g, gi) => {
    if (lstm) {
      const nz = n_a + n_x;
      plan(`dW${g}`, [n_a, nz], (e) => grads[`dW${g}`][e], (e) => {
        const r = Math.floor(e / nz), k = e % nz, row = gi * n_a + r;
        return k < n_a ? full.param('Wa', row * n_a + k) : full.param('Wx', row * n_x + k - n_a);
      });
      plan(`db${g}`, [n_a, 1], (e) => grads[`db${g}`][e], (e) => full.param('b', gi * n_a + e));
    } else {
      plan('dWax', [n_a, n_x], (e) => grads.dWax[e], (e) => full.param('Wx', e));
      plan('dWaa', [n_a, n_a], (e) => grads.dWaa[e], (e) => full.param('Wa', e));
      plan('dba', [n_a, 1], (e) => grads.dba[e], (e) => full.param('b', e));
    }
  });

  const total = plans.reduce((n, p) => n + p.idx.length, 0);
  let done = 0;
  const rows: GradcheckRow[] = [];
  for (const { name, shape, analytic, numeric, idx } of plans) {
    const an = idx.map(analytic);
    const nu: number[] = [];
    for (const e of idx) {
      nu.push(numeric(e));
      done++; // (not inside the optional call below: `?.` would skip its arguments too)
      o?.onProgress?.(done, total, name);
      yield { done, total, name };
    }
    rows.push(rowOf(name, shape, idx, an, nu));
  }
  return rows;
}

/** The summary of one gradient's probed entries (and every entry with its relative error). */
function rowOf(name: string, shape: number[], idx: number[], an: number[], nu: number[]): GradcheckRow {
  let G = 0;
  for (const v of an) G = Math.max(G, Math.abs(v));
  const floor = Math.max(G, 1e-8);
  let maxAbsErr = 0, maxRelErr = 0, worst = idx[0] ?? 0;
  const entries: GradcheckEntry[] = [];
  for (let k = 0; k < idx.length; k++) {
    const e = Math.abs(an[k] - nu[k]);
    const rel = e / Math.max(Math.abs(an[k]) + Math.abs(nu[k]), floor);
    entries.push({ index: unravel(idx[k], shape), analytic: an[k], numeric: nu[k], relErr: rel });
    // NaN errors must surface, not vanish in Math.max
    maxAbsErr = e > maxAbsErr || e !== e ? e : maxAbsErr;
    if (rel > maxRelErr || rel !== rel) {
      if (maxRelErr === maxRelErr) worst = idx[k];
      maxRelErr = rel;
    }
  }
  return { name, shape, checked: idx.length, total: shape.reduce((p, d) => p * d, 1), maxAbsErr, maxRelErr, maxAbsGrad: G, worst: unravel(worst, shape), entries };
}

/** The NumPy index of flat (C-order) entry e of an array of `shape`. */
function unravel(e: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = e % shape[d];
    e = Math.floor(e / shape[d]);
  }
  return out;
}
