/**
 * Checkpointed runs: memory that does not grow with T. Instead of every step's a, c, gates and
 * their gradients (O(T) caches), a run keeps the recurrent state every `spacing` steps
 * (a⟨t-1⟩, c⟨t-1⟩ going into step t, and the da/dc carried down into step t-1 in the backward)
 * and recomputes one window of steps on demand: stepping needs a window, not the whole cache.
 *
 * Bit-identical to the full-cache `run()` with the same kernels: every window is a sub-run of the
 * engine's own passes whose chunks (the batched products, see core.ts) fall exactly where the full
 * run's do: forward windows start at multiples of the spacing (a multiple of the chunk length,
 * counted from step 0) and end at a chunk boundary or T_x; backward windows end at T_b − j·spacing
 * (backward chunks are counted from T_b down) and resume the full run's running dW/db sums and
 * carries, so even the parameter gradients add up in the same order.
 *
 * Cost: the forward runs twice (once for the checkpoints, once window by window under the
 * backward), and a window shown later is recomputed (≤ 2·spacing forward steps + spacing backward).
 */

import { ForwardPass, chunkSteps, type Model } from './core';
import { BackwardPass, type BackwardResume } from './coreBackward';
import { kernelsFor, modelOf } from './run';
import { CachePool, WindowCache, zeroBackward, zeroForward } from './windowCache';
import { WorkspacePool } from './workspacePool';
import type { BackwardCaches, Dims, ForwardCaches, NdArray, Problem } from './types';
import { daIsLazyOnes, lazyOnesDa } from './layout';

/** Steps per chunk that a spacing must be a multiple of (the engine's batch of ~128 columns). */
function chunkBase(m: number): number {
  return chunkSteps(m, Number.MAX_SAFE_INTEGER);
}

/** Bytes of the forward caches of one step (a, y, and c + the 4 gates of an LSTM). */
function forwardStepBytes(cell: 'rnn' | 'lstm', d: Dims): number {
  return 8 * d.m * (d.n_y + (cell === 'lstm' ? 6 : 1) * d.n_a);
}

/** Bytes of the backward caches of one step (da, dx, and dc + the 4 gate gradients of an LSTM). */
function backwardStepBytes(cell: 'rnn' | 'lstm', d: Dims): number {
  return 8 * d.m * (d.n_x + (cell === 'lstm' ? 6 : 1) * d.n_a);
}

/** What a full-cache run of `problem` holds in caches, in bytes (what checkpointing saves). */
export function fullCacheBytes(problem: Problem): number {
  const T_b = problem.da.shape[2];
  return problem.dims.T_x * forwardStepBytes(problem.cell, problem.dims) + T_b * backwardStepBytes(problem.cell, problem.dims);
}

/**
 * Bytes a checkpointed run with this spacing holds at most: the checkpoints (2 state vectors per
 * spacing steps, each way) and `keep` windows each way: a forward window (spacing steps) and a
 * backward window (spacing steps, plus the forward it recomputed: ≤ 2·spacing + one chunk steps,
 * spacing steps when T_b is a multiple of it). Not counted: the arrays of two or three windows
 * that are gone, kept for the next ones (windowCache.ts `CachePool`).
 */
export function checkpointedBytes(problem: Problem, spacing: number, keep = 1): number {
  const { n_a, m, T_x } = problem.dims;
  const T_b = problem.da.shape[2];
  const state = 8 * n_a * m * (problem.cell === 'lstm' ? 2 : 1);
  const checkpoints = (Math.ceil(T_x / spacing) + Math.ceil(T_b / spacing)) * state;
  // (a backward window starting on a checkpoint recomputes its own steps only: T_b a multiple of k)
  const cover = T_b % spacing === 0 ? spacing : 2 * spacing + chunkBase(m);
  const fwdSteps = Math.min(T_x, spacing) + Math.min(T_x, cover);
  return checkpoints + keep * (fwdSteps * forwardStepBytes(problem.cell, problem.dims) +
    Math.min(T_b, spacing) * backwardStepBytes(problem.cell, problem.dims));
}

/**
 * The spacing for a memory budget: the largest multiple of the chunk length whose checkpointed run
 * (keeping `keep` windows each way) fits in `budgetBytes` (bigger windows: fewer recomputations
 * when stepping). The bytes are not monotonic in the spacing (few steps: many checkpoints; many:
 * big windows), so every spacing is looked at; when none fits, the one that holds the least. A
 * budget that holds the whole run gives a spacing ≥ T (one window: nothing recomputed).
 */
export function spacingForBudget(problem: Problem, budgetBytes: number, keep = 1): number {
  const base = chunkBase(problem.dims.m);
  const T = Math.max(problem.dims.T_x, problem.da.shape[2]);
  const chunks = Math.ceil(T / base);
  let fits = 0, least = base, leastBytes = Infinity;
  for (let c = 1; c <= chunks; c++) {
    const bytes = checkpointedBytes(problem, c * base, keep);
    if (bytes <= budgetBytes) fits = c * base;
    if (bytes < leastBytes) [least, leastBytes] = [c * base, bytes];
  }
  return fits || least;
}

/**
 * The smallest spacing (a multiple of the chunk length) whose checkpointed run, keeping `keep`
 * windows each way, fits in `budgetBytes`; when none fits, the one that holds the least. Small
 * windows make a step in a window not held cheap (one chunk of the issue-13 LSTM is 4 steps,
 * ~5 ms forward), which is what stepping and jumping in a panel need; bigger ones only save
 * recomputations that the prefetch of the neighbouring windows hides anyway.
 */
export function smallestSpacingFor(problem: Problem, budgetBytes: number, keep = 1): number {
  const base = chunkBase(problem.dims.m);
  const T = Math.max(problem.dims.T_x, problem.da.shape[2]);
  const chunks = Math.ceil(T / base);
  let least = base, leastBytes = Infinity;
  for (let c = 1; c <= chunks; c++) {
    const bytes = checkpointedBytes(problem, c * base, keep);
    if (bytes <= budgetBytes) return c * base;
    if (bytes < leastBytes) [least, leastBytes] = [c * base, bytes];
  }
  return least;
}

/** Steps [t0, t1) of an (n, m, T) NumPy-layout array, as an (n, m, t1 − t0) array. */
function sliceSteps(a: NdArray, t0: number, t1: number): NdArray {
  const [n, m, T] = a.shape;
  const L = t1 - t0, rows = n * m;
  const data = new Float64Array(rows * L);
  for (let r = 0; r < rows; r++) data.set(a.data.subarray(r * T + t0, r * T + t1), r * L);
  return { shape: [n, m, L], data };
}

/** A window of forward caches: steps [start, end) at local indices (step t at (t − start)·rows·m). */
export interface ForwardWindow {
  start: number;
  end: number;
  caches: ForwardCaches;
  /**
   * The window as a problem of its own: x of steps [start, end), a0/c0 the state going into
   * `start`, T_x = end − start (so the session's step functions read it at local indices).
   */
  problem: Problem;
}

/** A window of backward caches: steps [start, end) at local indices; gradients are the run's. */
export interface BackwardWindow {
  start: number;
  end: number;
  /** `grads`, `da0`, `dc0` are the run's once it is finished (before: the sums so far). */
  caches: BackwardCaches;
  /** The window's problem (x, da of its steps; a0/c0 going into `start`; dcFinal coming down from `end`). */
  problem: Problem;
  /** The forward caches of steps [start, end) at local indices (what the backward used). */
  forward: ForwardCaches;
}

interface StateCheckpoint {
  a: Float64Array;
  c: Float64Array | null;
}

export interface CheckpointedRunOptions {
  /** Steps between checkpoints (rounded up to a multiple of the chunk length). */
  spacing?: number;
  /** Or: the memory the run may hold for its caches, in bytes (see `spacingForBudget`). */
  budgetBytes?: number;
  /** Recomputed windows kept, each way (default 1; the budget above counts one). */
  keepWindows?: number;
  /**
   * Called with each window the run itself computes (forward windows of the first pass, backward
   * windows of the second), so a caller can scan or sum it without recomputing it.
   */
  onForwardWindow?: (w: ForwardWindow) => void;
  onBackwardWindow?: (w: BackwardWindow) => void;
  /**
   * da is all ones and not held (`problem.da.data` may be empty): a fixture without da at
   * T = 10,000 would otherwise hold n_a·m·T doubles of ones (655 MB for the LSTM).
   * Implied by a problem whose da is `lazyOnesDa` (layout.ts).
   */
  daOnes?: boolean;
}

/**
 * A run that holds checkpoints instead of caches, computed window by window by `advance()` (or
 * all at once by `CheckpointedRun.run`). Once `finished`, `grads`, `da0`, `dc0` are the run's
 * (bit-identical to `run()`); `forwardWindow(t)` (once the forward reached t's window) and
 * `backwardWindow(t)` (once finished) recompute the window of step t (the last one of each is
 * kept, so stepping inside a window costs nothing).
 */
export class CheckpointedRun {
  readonly spacing: number;
  readonly T_b: number;
  /** The run's results, set when the last backward window is done (`finished`). */
  private result: { grads: Record<string, Float64Array>; da0: Float64Array; dc0: Float64Array | undefined } | null = null;
  /** Forward steps whose checkpoints are taken; backward steps done (from T_b down). */
  private fwdDone = 0;
  private bwdDone = 0;
  private resume: BackwardResume;
  private dcDown: Float64Array | null;
  private readonly model: Model;
  /** The passes' workspaces, handed out again window after window (workspacePool.ts). */
  private readonly kernels: WorkspacePool;
  /** fwdCk[i]: state going into step i·spacing (i ≥ 1; step 0 starts from a0/c0). */
  private readonly fwdCk: StateCheckpoint[] = [];
  /** bwdCk[j]: carries going down into step hi − 1 for the window ending at hi = T_b − j·spacing. */
  private readonly bwdCk: { carryA: Float64Array; dc: Float64Array | null }[] = [];
  private readonly fwdWindows: WindowCache<ForwardWindow>;
  private readonly bwdWindows: WindowCache<BackwardWindow>;
  /** Arrays of windows that are gone, for the next ones (windowCache.ts). */
  private readonly fwdPool: CachePool<ForwardCaches>;
  private readonly bwdPool: CachePool<BackwardCaches>;
  /** The arrays each window made here owns (its forward is a view of the cover's caches). */
  private readonly owned = new WeakMap<ForwardWindow | BackwardWindow, { fwd?: ForwardCaches; bwd?: BackwardCaches }>();
  private readonly onForwardWindow: CheckpointedRunOptions['onForwardWindow'];
  private readonly onBackwardWindow: CheckpointedRunOptions['onBackwardWindow'];
  private readonly daOnes: boolean;

  constructor(readonly problem: Problem, opts: CheckpointedRunOptions = {}) {
    const base = chunkBase(problem.dims.m);
    const keep = Math.max(1, Math.floor(opts.keepWindows ?? 1));
    const want = opts.spacing ?? (opts.budgetBytes !== undefined ? spacingForBudget(problem, opts.budgetBytes, keep) : 8 * base);
    if (!(want >= 1)) throw new Error(`checkpoint spacing must be at least 1, got ${want}`);
    this.spacing = Math.ceil(want / base) * base;
    this.T_b = problem.da.shape[2];
    if (!(this.T_b >= 1 && this.T_b <= problem.dims.T_x)) {
      throw new Error(`da must have 1 <= T_b <= T_x = ${problem.dims.T_x} steps; got ${this.T_b}`);
    }
    this.model = modelOf(problem);
    this.kernels = new WorkspacePool(kernelsFor(this.model));
    this.fwdWindows = new WindowCache(keep, (w) => this.release(w));
    this.bwdWindows = new WindowCache(keep, (w) => this.release(w));
    // (a window dropped gives its arrays to the next one: a few sets each are enough)
    this.fwdPool = new CachePool(3, zeroForward);
    this.bwdPool = new CachePool(2, zeroBackward);
    this.onForwardWindow = opts.onForwardWindow;
    this.onBackwardWindow = opts.onBackwardWindow;
    this.daOnes = opts.daOnes === true || daIsLazyOnes(problem);
    const { n_x, n_a, m } = problem.dims, H = this.model.H;
    this.resume = { carryA: new Float64Array(n_a * m), dWz: new Float64Array(H * (n_a + n_x)), db: new Float64Array(H) };
    this.dcDown = problem.cell === 'lstm' ? (problem.dcFinal?.data.slice() ?? new Float64Array(n_a * m)) : null;
  }

  /** `new CheckpointedRun(problem, opts)` computed to the end. */
  static run(problem: Problem, opts: CheckpointedRunOptions = {}): CheckpointedRun {
    const r = new CheckpointedRun(problem, opts);
    r.advance(Infinity);
    return r;
  }

  get forwardDone(): number {
    return this.fwdDone;
  }
  get backwardDone(): number {
    return this.bwdDone;
  }
  get finished(): boolean {
    return this.result !== null;
  }
  private done(): { grads: Record<string, Float64Array>; da0: Float64Array; dc0: Float64Array | undefined } {
    if (!this.result) throw new Error('the checkpointed run is not finished (advance() it first)');
    return this.result;
  }
  /** Parameter gradients (NumPy layout, as `BackwardCaches.grads`); throws before `finished`. */
  get grads(): Record<string, Float64Array> {
    return this.done().grads;
  }
  get da0(): Float64Array {
    return this.done().da0;
  }
  get dc0(): Float64Array | undefined {
    return this.done().dc0;
  }

  /**
   * Computes whole windows (first the forward's, then the backward's from the top) until about
   * `budgetMs` has passed; returns `finished`. A window is the unit: one may run past the budget.
   * `maxForwardSteps`: a forward window that would go further past `forwardDone` waits (x still
   * being read); the first window always fits when at least its steps are there.
   */
  advance(budgetMs: number, maxForwardSteps = Infinity): boolean {
    const t0 = Date.now();
    const T_x = this.problem.dims.T_x, from = this.fwdDone;
    while (!this.result) {
      if (this.fwdDone < T_x) {
        // (counted from where this call started: the room is the caller's, for the whole call)
        if (Math.min(T_x, this.fwdDone + this.spacing) - from > maxForwardSteps) break;
        this.forwardStep();
      } else this.backwardStep();
      if (Date.now() - t0 >= budgetMs) break;
    }
    return this.result !== null;
  }

  /** Steps of da [lo, hi) in the window layout. */
  private daSteps(lo: number, hi: number): NdArray {
    const { n_a, m } = this.problem.dims;
    if (this.daOnes) return lazyOnesDa(n_a, m, hi - lo); // (read as ones by the BackwardPass: daDefaulted below)
    return sliceSteps(this.problem.da, lo, hi);
  }

  /** Window [lo, hi) of the forward as a sub-run from the checkpoint at lo (a multiple of the spacing). */
  private forwardRange(lo: number, hi: number): { caches: ForwardCaches; problem: Problem } {
    const p = this.problem, { n_a, m } = p.dims;
    const ck = lo === 0 ? null : this.fwdCk[lo / this.spacing];
    const sub: Problem = {
      ...p,
      dims: { ...p.dims, T_x: hi - lo },
      x: sliceSteps(p.x, lo, hi),
      a0: ck ? { shape: [n_a, m], data: ck.a } : p.a0,
      da: { shape: [n_a, m, 1], data: new Float64Array(n_a * m) }, // not used by the forward
    };
    if (p.cell === 'lstm') sub.c0 = ck?.c ? { shape: [n_a, m], data: ck.c } : p.c0;
    const model: Model = { ...this.model, dims: sub.dims };
    const fp = new ForwardPass(model, sub, this.kernels, this.fwdPool.take(hi - lo));
    while (!fp.finished) fp.step();
    this.kernels.recycle();
    return { caches: fp.fwd, problem: sub };
  }

  /** First pass, one window: the forward of [fwdDone, +k), keeping the state at its end. */
  private forwardStep(): void {
    const { n_a, m, T_x } = this.problem.dims, S = n_a * m, k = this.spacing;
    const lo = this.fwdDone, hi = Math.min(T_x, lo + k);
    // the run's own use of a window is its last state (the checkpoint for the next one); it is
    // kept as the latest window too (the panel shows the steps as they come)
    const r = this.forwardRange(lo, hi), f = r.caches;
    const e = (hi - lo - 1) * S;
    if (hi < T_x) this.fwdCk[hi / k] = { a: f.a.slice(e, e + S), c: f.c ? f.c.slice(e, e + S) : null };
    this.fwdDone = hi;
    const w: ForwardWindow = { start: lo, end: hi, caches: f, problem: r.problem };
    this.owned.set(w, { fwd: f });
    this.fwdWindows.add(w);
    this.onForwardWindow?.(w);
  }

  /**
   * The forward caches of steps [lo, hi) viewed at local indices, recomputed from the checkpoint at
   * or below lo−1 (the backward needs a⟨lo−1⟩, c⟨lo−1⟩) up to a chunk boundary at or past hi.
   */
  private forwardCover(lo: number, hi: number): ForwardCaches {
    const { n_a, n_y, m, T_x } = this.problem.dims, S = n_a * m, k = this.spacing;
    // A window starting on a checkpoint needs no step below it: the state going into lo is the
    // checkpoint itself (when T_b is a multiple of k every backward window is such a one, and
    // the forward recomputed is k steps, not 2k + a chunk).
    const aligned = lo > 0 && lo % k === 0 ? this.fwdCk[lo / k] : undefined;
    const from = aligned ? lo : Math.floor(Math.max(0, lo - 1) / k) * k;
    const base = chunkBase(m);
    const to = Math.min(T_x, from + Math.ceil((hi - from) / base) * base);
    const f = this.forwardRange(from, to).caches;
    this.coverCaches = f;
    const off = lo - from, n = hi - lo;
    const view = (arr: Float64Array | undefined, rows: number): Float64Array | undefined =>
      arr?.subarray(off * rows * m, (off + n) * rows * m);
    const out: ForwardCaches = { cell: f.cell, dims: { ...f.dims, T_x: n }, a: f.a.subarray(off * S, (off + n) * S), y: f.y.subarray(off * n_y * m, (off + n) * n_y * m) };
    if (f.c) {
      out.c = view(f.c, n_a); out.ft = view(f.ft, n_a); out.it = view(f.it, n_a); out.cct = view(f.cct, n_a); out.ot = view(f.ot, n_a);
    }
    if (aligned) this.coverState = aligned;
    else if (lo > 0) {
      // state going into step lo, for the window problem's a0/c0
      const pa = (off - 1) * S;
      this.coverState = { a: f.a.slice(pa, pa + S), c: f.c ? f.c.slice(pa, pa + S) : null };
    } else this.coverState = null;
    return out;
  }
  private coverState: StateCheckpoint | null = null;
  /** The caches `forwardCover` last recomputed (its result is a view of them). */
  private coverCaches: ForwardCaches | null = null;

  /** The backward over [lo, hi) as a sub-run resuming `resume`, with dc coming down from hi. */
  private backwardRange(lo: number, hi: number, dcTop: Float64Array | null, resume: BackwardResume): { bp: BackwardPass; problem: Problem; forward: ForwardCaches; cover: ForwardCaches } {
    const p = this.problem, { n_a, m } = p.dims;
    const fwd = this.forwardCover(lo, hi);
    const cover = this.coverCaches ?? fwd;
    const st = this.coverState;
    const sub: Problem = {
      ...p,
      dims: { ...p.dims, T_x: hi - lo },
      x: sliceSteps(p.x, lo, hi),
      a0: st ? { shape: [n_a, m], data: st.a } : p.a0,
      da: this.daSteps(lo, hi),
      daDefaulted: this.daOnes || p.daDefaulted,
    };
    if (p.cell === 'lstm') {
      sub.c0 = st?.c ? { shape: [n_a, m], data: st.c } : p.c0;
      sub.dcFinal = dcTop ? { shape: [n_a, m], data: dcTop } : undefined;
    }
    const model: Model = { ...this.model, dims: sub.dims };
    const bp = new BackwardPass(model, sub, fwd, this.kernels, true, resume, this.bwdPool.take(hi - lo));
    while (!bp.finished) bp.step();
    this.kernels.recycle();
    return { bp, problem: sub, forward: fwd, cover };
  }

  /** Second pass, one window from the top: its backward, keeping the carries at its top. */
  private backwardStep(): void {
    const j = this.bwdCk.length, hi = this.T_b - this.bwdDone, lo = Math.max(0, hi - this.spacing);
    this.bwdCk[j] = { carryA: this.resume.carryA.slice(), dc: this.dcDown ? this.dcDown.slice() : null };
    const r = this.backwardRange(lo, hi, this.dcDown, this.resume), bp = r.bp;
    this.resume = bp.accumulators();
    this.dcDown = bp.bwd.dc0 ? bp.bwd.dc0.slice() : null;
    this.bwdDone = this.T_b - lo;
    // the bottom window's finalize turned the resumed sums into the run's gradients
    // (copies: the window's arrays go back to the pool when it is dropped)
    if (lo === 0) {
      const grads = Object.fromEntries(Object.entries(bp.bwd.grads).map(([k, v]) => [k, v.slice()]));
      this.result = { grads, da0: bp.bwd.da0.slice(), dc0: bp.bwd.dc0?.slice() };
    }
    const w: BackwardWindow = { start: lo, end: hi, caches: bp.bwd, problem: r.problem, forward: r.forward };
    this.owned.set(w, { bwd: bp.bwd, fwd: r.cover });
    this.bwdWindows.add(w);
    this.onBackwardWindow?.(w);
  }

  /** True when the window of forward step t is held (asking for it costs nothing). */
  holdsForward(t: number): boolean {
    return this.fwdWindows.has(t);
  }
  /** True when the window of backward step t is held. */
  holdsBackward(t: number): boolean {
    return this.bwdWindows.has(t);
  }

  /**
   * The forward window holding step t (recomputed unless it is one of the last ones kept).
   * `keep: false`: a recomputed window is not kept (a pass over every window, as the export
   * makes, leaves the windows the panel shows in place).
   */
  forwardWindow(t: number, keep = true): ForwardWindow {
    const T_x = this.problem.dims.T_x, k = this.spacing;
    if (!Number.isInteger(t) || t < 0 || t >= T_x) throw new Error(`forwardWindow: step ${t} is outside 0..${T_x - 1}`);
    if (Math.floor(t / k) * k > this.fwdDone) throw new Error(`forwardWindow: step ${t} is not reached yet (${this.fwdDone} steps checkpointed)`);
    const w = this.fwdWindows.find(t);
    if (w) return w;
    const start = Math.floor(t / k) * k, end = Math.min(T_x, start + k);
    const r = this.forwardRange(start, end);
    const nw: ForwardWindow = { start, end, caches: r.caches, problem: r.problem };
    this.owned.set(nw, { fwd: r.caches });
    return keep ? this.fwdWindows.add(nw) : nw;
  }

  /**
   * The backward window holding step t (< T_b, computed already: t ≥ T_b − backwardDone), with
   * the forward it used at `forward`. `keep` as for `forwardWindow`.
   */
  backwardWindow(t: number, keep = true): BackwardWindow {
    const k = this.spacing;
    if (!Number.isInteger(t) || t < 0 || t >= this.T_b) throw new Error(`backwardWindow: step ${t} is outside 0..${this.T_b - 1}`);
    if (t < this.T_b - this.bwdDone) throw new Error(`backwardWindow: backward step ${t} is not computed yet (${this.bwdDone} steps done)`);
    const w = this.bwdWindows.find(t);
    if (w) return this.withResults(w);
    const j = Math.floor((this.T_b - 1 - t) / k);
    const hi = this.T_b - j * k, lo = Math.max(0, hi - k);
    const ck = this.bwdCk[j];
    const { n_x, n_a } = this.problem.dims, H = this.model.H;
    // gradients of a re-shown window are not needed: resume from zero sums, only the carries matter
    const r = this.backwardRange(lo, hi, ck.dc, { carryA: ck.carryA, dWz: new Float64Array(H * (n_a + n_x)), db: new Float64Array(H) });
    const nw: BackwardWindow = { start: lo, end: hi, caches: r.bp.bwd, problem: r.problem, forward: r.forward };
    this.owned.set(nw, { bwd: r.bp.bwd, fwd: r.cover });
    return this.withResults(keep ? this.bwdWindows.add(nw) : nw);
  }

  /**
   * The window's arrays go back to the pool for the next windows: for a window asked for with
   * `keep: false` once the caller is done with it (the export, a pass over every window); kept
   * windows are released when they are dropped (a kept one given here stays). The window must not
   * be read afterwards.
   */
  release(w: ForwardWindow | BackwardWindow): void {
    const o = this.owned.get(w);
    // (a window asked for with keep: false may be one of those kept: it stays)
    if (!o || this.fwdWindows.includes(w) || this.bwdWindows.includes(w)) return;
    this.owned.delete(w);
    if (o.fwd) this.fwdPool.give(o.fwd.a.length / (this.problem.dims.n_a * this.problem.dims.m), o.fwd);
    if (o.bwd) this.bwdPool.give(o.bwd.T_b, o.bwd);
  }

  /** A window whose caches carry the run's gradients, da0 and dc0 once they are known. */
  private withResults(w: BackwardWindow): BackwardWindow {
    const res = this.result;
    if (res && w.caches.grads !== res.grads) w.caches = { ...w.caches, grads: res.grads, da0: res.da0, dc0: res.dc0 };
    return w;
  }
}
