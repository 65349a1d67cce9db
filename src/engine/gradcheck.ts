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
 * Relative error of an entry: |a−n| / max(|a|+|n|, G, 1e-8), where G is the largest |analytic|
 * gradient over the probed entries of the array. Entries much smaller than the array's scale are
 * judged against that scale instead of their own: the numeric derivative carries a round-off of
 * about ulp(a)/h ≈ 1e-10 whatever the entry's size, so a pure relative error of a tiny entry
 * would flag correct code. With h = 1e-6, correct gradients give ~1e-9 or less; a wrong formula
 * gives errors of the order of 1.
 */

import { buildModel, type Model } from './core';
import { ndToStepMajor } from './layout';
import { Rng } from './random';
import type { Workspace } from './kernels';
import { kernelsFor, run } from './run';
import type { GradcheckRow, Problem } from './types';

export interface GradcheckOptions {
  /** Step h of the central difference (default 1e-6). */
  eps?: number;
  /** Probe at most this many entries per array, chosen with `seed` (default 64). */
  maxEntries?: number;
  seed?: number;
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

export function gradcheck(problem: Problem, o?: GradcheckOptions): GradcheckRow[] {
  const h = o?.eps ?? 1e-6;
  const maxEntries = o?.maxEntries ?? 64;
  const rng = new Rng(o?.seed ?? 0);
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

  const pick = (total: number): number[] => {
    if (total <= maxEntries) return Array.from({ length: total }, (_, i) => i);
    const seen = new Set<number>();
    while (seen.size < maxEntries) seen.add(rng.int(total));
    return [...seen].sort((p, q) => p - q);
  };

  const rows: GradcheckRow[] = [];
  const report = (name: string, shape: number[], analytic: (i: number) => number, numeric: (i: number) => number): void => {
    const total = shape.reduce((p, d) => p * d, 1);
    const idx = pick(total);
    const an = idx.map(analytic), nu = idx.map(numeric);
    let G = 0;
    for (const v of an) G = Math.max(G, Math.abs(v));
    const floor = Math.max(G, 1e-8);
    let maxAbsErr = 0, maxRelErr = 0;
    for (let k = 0; k < idx.length; k++) {
      const e = Math.abs(an[k] - nu[k]);
      const rel = e / Math.max(Math.abs(an[k]) + Math.abs(nu[k]), floor);
      // NaN errors must surface, not vanish in Math.max
      maxAbsErr = e > maxAbsErr || e !== e ? e : maxAbsErr;
      maxRelErr = rel > maxRelErr || rel !== rel ? rel : maxRelErr;
    }
    rows.push({ name, shape, checked: idx.length, total, maxAbsErr, maxRelErr, maxAbsGrad: G });
  };

  const xp = x0.slice(), xm = x0.slice();
  const zeroA = new Float64Array(S);
  // dx (n_x, m, T_b): entry (i, j, t)
  report('dx', [n_x, m, T_b], (e) => {
    const i = Math.floor(e / (m * T_b)), j = Math.floor(e / T_b) % m, t = e % T_b;
    return res.backward.dx[t * n_x * m + i * m + j];
  }, (e) => {
    const i = Math.floor(e / (m * T_b)), j = Math.floor(e / T_b) % m, t = e % T_b;
    const q = t * n_x * m + i * m + j, v = x0[q];
    xp[q] = v + h; xm[q] = v - h;
    const aStart = t === 0 ? a0 : fa.subarray((t - 1) * S, t * S);
    const cStart = !lstm ? zeroA : t === 0 ? c0 : fc!.subarray((t - 1) * S, t * S);
    const d = lossDiff(baseW, baseW, xp, xm, t, aStart, aStart, cStart, cStart);
    xp[q] = v; xm[q] = v;
    return d / (2 * h);
  });
  const a0p = a0.slice(), a0m = a0.slice();
  report('da0', [n_a, m], (e) => res.backward.da0[e], (e) => {
    a0p[e] = a0[e] + h; a0m[e] = a0[e] - h;
    const d = lossDiff(baseW, baseW, x0, x0, 0, a0p, a0m, c0, c0);
    a0p[e] = a0[e]; a0m[e] = a0[e];
    return d / (2 * h);
  });
  if (lstm) {
    const c0p = c0.slice(), c0m = c0.slice();
    report('dc0', [n_a, m], (e) => res.backward.dc0![e], (e) => {
      c0p[e] = c0[e] + h; c0m[e] = c0[e] - h;
      const d = lossDiff(baseW, baseW, x0, x0, 0, a0, a0, c0p, c0m);
      c0p[e] = c0[e]; c0m[e] = c0[e];
      return d / (2 * h);
    });
  }
  // parameters: perturb the matching entry of the stacked model
  const mp = wsModel(base), mm = wsModel(base);
  const probeModel = (arr: 'Wa' | 'Wx' | 'b', q: number): number => {
    const v = base[arr][q];
    mp[arr][q] = v + h; mm[arr][q] = v - h;
    const d = lossDiff(mp, mm, x0, x0, 0, a0, a0, c0, c0);
    mp[arr][q] = v; mm[arr][q] = v;
    return d / (2 * h);
  };
  const grads = res.backward.grads;
  const gates = lstm ? (['f', 'i', 'c', 'o'] as const) : ([''] as const);
  gates.forEach((g, gi) => {
    if (lstm) {
      const nz = n_a + n_x;
      report(`dW${g}`, [n_a, nz], (e) => grads[`dW${g}`][e], (e) => {
        const r = Math.floor(e / nz), k = e % nz, row = gi * n_a + r;
        return k < n_a ? probeModel('Wa', row * n_a + k) : probeModel('Wx', row * n_x + k - n_a);
      });
      report(`db${g}`, [n_a, 1], (e) => grads[`db${g}`][e], (e) => probeModel('b', gi * n_a + e));
    } else {
      report('dWax', [n_a, n_x], (e) => grads.dWax[e], (e) => probeModel('Wx', e));
      report('dWaa', [n_a, n_a], (e) => grads.dWaa[e], (e) => probeModel('Wa', e));
      report('dba', [n_a, 1], (e) => grads.dba[e], (e) => probeModel('b', e));
    }
  });
  return rows;
}
