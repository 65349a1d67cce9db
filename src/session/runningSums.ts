/**
 * Running sums of the weight gradients during the backward pass: at backward step t (steps run
 * t = T_b-1 down to 0) the running sum of a gradient is R(t) = Σ_{s=t}^{T_b-1} contribution(s),
 * so R(T_b-1) is the last step's contribution and R(0) the final gradient.
 *
 * Every R(t) is accumulated the same way, R(t) = R(t+1) + contribution(t) from R(T_b) = 0, so it
 * is the same float64 whichever path computed it (full caches or checkpointed windows). What is
 * kept is bounded by a memory budget, three levels of weight-sized buffers:
 * - coarse checkpoints every `spacing` steps over the whole run, left by a "frontier"
 *   accumulator walking down from T_b in the background (`build`);
 * - around the cursor (the last step asked for), a span of sums: every step from just below the
 *   cursor up to the next `fine` boundary, and every `fine`-th step above it for about two coarse
 *   intervals and below it for a jump. `prefetch` (called when the worker is idle) fills it one contribution at a time,
 *   so stepping back (t → t+1, the expensive direction: R(t+1) is not R(t) minus anything, bit
 *   for bit) finds its sum computed, and a ±10 jump is at most `fine` − 1 contributions away;
 * - a walker: the sum at the step a walk has reached, so a walk interrupted between idle calls
 *   resumes where it stopped.
 * Each contribution is recomputed by the engine's `paramGradsAt` (the dW/db part of a cell
 * backward) or a run's own `cellAt`.
 */
import { now } from '../engine/hostGlobals';
import { paramGradShape, paramGradsOf, type ParamGrad } from '../engine/names';
import { paramGradsAt } from '../engine/run';
import type { RunView } from './steps';

/**
 * What the sums need of a run: its problem, how far the backward got, and one step's backward
 * quantities (`paramGradsAt` by default; a checkpointed run gives its own, read from its windows).
 */
export interface SumsRun {
  readonly problem: RunView['problem'];
  readonly backwardDone: number;
  readonly backward: { readonly T_b: number };
}

export interface RunningSumsOptions {
  /** Step s's weight-gradient contributions (default: `paramGradsAt` on the run's full caches). */
  cellAt?: (s: number) => Record<string, Float64Array>;
  /** Memory for all the sums held (checkpoints, span, walker, accumulator); default 64 MiB. */
  budgetBytes?: number;
  /** Force the coarse checkpoint spacing (tests); default: chosen with the span from the budget. */
  spacing?: number;
  /** Force the span's capacity in sums (tests; 0: no span, every answer from a checkpoint or the frontier). */
  recent?: number;
  /** Force the span's fine spacing (tests). */
  fine?: number;
  /**
   * Whether step s's contribution is cheap now (default: always). A checkpointed run says no for a
   * step whose window is not held: the prefetch waits for the window rather than recompute it.
   */
  ready?: (s: number) => boolean;
}

/** One set of sums: all gradients of the cell concatenated in name order. */
type Sums = Float64Array;

/** Steps kept below the cursor in the span (stepping forward, t → t−1, costs one contribution anyway). */
const BELOW = 2;
/** The panel's jump (±10 steps, src/webview/keymap.ts): fine-spaced sums are kept that far below the cursor too. */
const JUMP = 10;

/** How far above the cursor the span reaches: two coarse intervals (stepping back across a checkpoint), a jump at least. */
function above(K: number, f: number): number {
  return Math.max(2 * K, JUMP + f);
}

/** How many sums the span wants at most: dense around the cursor, fine-spaced above (two coarse intervals) and a jump below. */
function spanTargets(K: number, f: number): number {
  return BELOW + f + 1 + Math.ceil(above(K, f) / f) + Math.ceil((JUMP + f) / f) + 1;
}

/** The layout a budget of `slots` sums allows for `T_b` steps: coarse spacing, fine spacing, span capacity. */
export function sumsLayout(T_b: number, slots: number): { spacing: number; fine: number; span: number } {
  // acc, walker and R(T_b) = 0 take three slots; the span holds BELOW + fine + 1 dense sums and
  // ⌈2·spacing / fine⌉ + 1 sparse ones (the cursor's coarse interval and the one above).
  const free = slots - 3;
  const spanOf = (K: number, f: number) => spanTargets(K, f) + 1;
  if (T_b + 1 <= free) return { spacing: 1, fine: 1, span: Math.max(0, free - T_b) };
  for (let f = 1; f <= T_b; f++) {
    // smallest fine spacing first (the cost of a ±10 jump), then the smallest coarse spacing
    // that fits (the cost of a far jump)
    for (let K = f; K <= T_b; K += f) {
      const need = Math.ceil(T_b / K) + spanOf(K, f);
      if (need <= free) return { spacing: K, fine: f, span: free - Math.ceil(T_b / K) };
    }
    if (spanOf(f, f) + 1 > free) break;
  }
  // Too tight for a span worth the name: coarse checkpoints and a few recent sums (no prefetch).
  const span = Math.max(0, Math.min(6, Math.floor((free - 1) / 2)));
  return { spacing: Math.max(1, Math.ceil(T_b / Math.max(1, free - span))), fine: 0, span };
}

export class RunningSums {
  readonly names: readonly ParamGrad[];
  /** Offsets of each gradient in a `Sums` buffer (names order), plus the total length. */
  readonly offsets: number[];
  readonly size: number;
  /** Steps between coarse checkpoints. */
  readonly spacing: number;
  /** Steps between the span's sparse sums (0: no prefetched span, the budget is too tight). */
  readonly fine: number;
  /** The span's capacity, in sums. */
  readonly recentMax: number;
  /** Number of step contributions computed so far (tests check no request recomputes O(T_b)). */
  contributions = 0;
  private readonly T_b: number;
  /** R(frontier) is in `acc`; frontier = T_b means nothing accumulated yet. */
  private frontier: number;
  private readonly acc: Sums;
  private readonly checkpoints = new Map<number, Sums>();
  /** Sums around the cursor (see the file comment). */
  private readonly span = new Map<number, Sums>();
  /** Buffers evicted from the span, reused (a sum is megabytes: no allocation per step). */
  private readonly pool: Sums[] = [];
  /** R(at) in buf, the point a walk has reached (null: none yet). */
  private walker: { at: number; buf: Sums } | null = null;
  private zero: Sums | null = null;
  /** The last step asked for: the span is laid out around it. */
  private cursor: number | undefined;

  private readonly cellAt: (s: number) => Record<string, Float64Array>;
  private readonly ready: (s: number) => boolean;

  constructor(readonly run: SumsRun, opts: RunningSumsOptions = {}) {
    this.cellAt = opts.cellAt ?? ((s) => {
      if (!hasCaches(run)) throw new Error('running sums: the run has no caches and no cellAt was given');
      return paramGradsAt(run.problem, run.forward, run.backward, s);
    });
    this.ready = opts.ready ?? (() => true);
    this.names = paramGradsOf(run.problem.cell);
    const sizeOf = (g: ParamGrad) => {
      const [r, c] = paramGradShape(g, run.problem.dims);
      return r * c;
    };
    this.offsets = [];
    let off = 0;
    for (const g of this.names) {
      this.offsets.push(off);
      off += sizeOf(g);
    }
    this.offsets.push(off);
    this.size = off;
    this.T_b = run.backward.T_b;
    this.frontier = this.T_b;
    this.acc = new Float64Array(off);
    const slots = Math.max(4, Math.floor((opts.budgetBytes ?? 64 * 1048576) / (off * 8)));
    const layout = sumsLayout(this.T_b, slots);
    this.spacing = Math.max(1, Math.floor(opts.spacing ?? layout.spacing));
    this.recentMax = Math.max(0, Math.floor(opts.recent ?? layout.span));
    const fine = Math.floor(opts.fine ?? (opts.spacing !== undefined && opts.recent === undefined ? 1 : layout.fine));
    // a span too small for its targets would evict what it prefetches: no prefetch then
    this.fine = fine >= 1 && this.targetCount(fine) <= this.recentMax ? fine : 0;
  }

  /** How many sums the span's targets take at most with this fine spacing. */
  private targetCount(fine: number): number {
    return spanTargets(this.spacing, fine);
  }

  /** True once every checkpoint exists (the frontier reached step 0). */
  get complete(): boolean {
    return this.frontier === 0;
  }

  /** Lowest step whose contribution is final in the (possibly still running) backward. */
  private get lowestReady(): number {
    return this.T_b - this.run.backwardDone;
  }

  /** Step s's contribution added into `into`, in `names` order (`cell`: step s's, when the caller has it). */
  private addContribution(into: Sums, s: number, cell?: Record<string, Float64Array>): void {
    const c = cell ?? this.cellAt(s);
    if (!cell) this.contributions++;
    this.names.forEach((g, k) => {
      const v = c[g];
      if (!v) throw new Error(`the engine returned no ${g} for backward step ${s}`);
      const o = this.offsets[k], n = this.offsets[k + 1] - o;
      for (let q = 0; q < n; q++) into[o + q] += v[q];
    });
  }

  /** Move the frontier one step down (s = frontier - 1), leaving a checkpoint on multiples of spacing. */
  private advance(cellAt?: { t: number; cell: Record<string, Float64Array> }): void {
    const s = this.frontier - 1;
    this.addContribution(this.acc, s, cellAt && cellAt.t === s ? cellAt.cell : undefined);
    this.frontier = s;
    if (s % this.spacing === 0) this.checkpoints.set(s, this.acc.slice());
  }

  /**
   * Extend the checkpoints in the background for about `budgetMs` (at least one step), over the
   * backward steps already final. Returns true when there is nothing left to do.
   */
  build(budgetMs: number): boolean {
    const t0 = now();
    while (this.frontier > 0 && this.frontier > this.lowestReady) {
      this.advance();
      if (now() - t0 >= budgetMs) break;
    }
    return this.frontier === 0;
  }

  /** R(s) when it is held (not the walker's: that one moves). */
  private known(s: number): Sums | undefined {
    if (s === this.T_b) return (this.zero ??= new Float64Array(this.size));
    if (s === this.frontier) return this.acc;
    return this.span.get(s) ?? this.checkpoints.get(s);
  }

  /** The nearest step above t whose sum is held (T_b at worst: R(T_b) = 0), the walker included. */
  private nearestAbove(t: number): number {
    const cap = Math.min(this.T_b, Math.max(this.frontier > t ? this.frontier : this.T_b, t + 1));
    let c = cap;
    // a checkpoint at the next multiple, or a span entry in between
    const cp = Math.ceil((t + 1) / this.spacing) * this.spacing;
    if (cp < c && this.checkpoints.has(cp)) c = cp;
    for (const k of this.span.keys()) if (k > t && k < c) c = k;
    const w = this.walker;
    if (w && w.at > t && w.at < c) c = w.at;
    return c;
  }

  /** Whether the span wants R(s) with the cursor at `at`. */
  private isTarget(s: number, at: number): boolean {
    if (s < this.lowestReady || s >= this.T_b || this.fine === 0) return false;
    const f = this.fine;
    const denseTop = Math.ceil((at + 1) / f) * f;
    if (s >= at - BELOW && s <= denseTop) return true;
    return s % f === 0 && s <= at + above(this.spacing, f) && s >= at - JUMP - f;
  }

  /** Keep R(s) (copied) in the span, evicting the sum farthest from the cursor that it does not want. */
  private keep(s: number, sums: Sums): Sums {
    if (this.checkpoints.get(s) === sums || s === this.T_b) return sums;
    // (the accumulator and the walker move on: a caller gets a copy of what is not kept)
    if (this.recentMax === 0) return sums === this.acc || sums === this.walker?.buf ? sums.slice() : sums;
    const had = this.span.get(s);
    if (had) return had;
    const at = this.cursor ?? s;
    while (this.span.size >= this.recentMax) {
      let worst = -1, worstScore = -Infinity;
      for (const k of this.span.keys()) {
        // not wanted first, then the farthest (below the cursor counts double: it is cheap to redo)
        const score = (this.isTarget(k, at) ? 0 : 1e9) + (k < at ? 2 * (at - k) : k - at);
        if (score > worstScore) [worst, worstScore] = [k, score];
      }
      const buf = this.span.get(worst);
      this.span.delete(worst);
      if (buf) this.pool.push(buf);
    }
    const buf = this.pool.pop() ?? new Float64Array(this.size);
    buf.set(sums);
    this.span.set(s, buf);
    return buf;
  }

  /**
   * One contribution down from the nearest held sum above `target` (the walker resumes there when
   * it is nearer): the walker then holds R(that step − 1), kept in the span when wanted.
   */
  private walkToward(target: number, at: number, cell?: { t: number; cell: Record<string, Float64Array> }): void {
    const c = this.nearestAbove(target);
    if (!this.walkerFrom(c)) throw new Error(`running sums: no sum held at ${c}`);
    const w = this.walker;
    if (!w) return;
    const s = w.at - 1;
    this.addContribution(w.buf, s, cell && cell.t === s ? cell.cell : undefined);
    w.at = s;
    if (this.isTarget(s, at)) this.keep(s, w.buf);
  }

  /** The walker at c (set from the sum held there unless it is there already); false when none is held. */
  private walkerFrom(c: number): boolean {
    if (this.walker?.at === c) return true;
    const from = this.known(c);
    if (!from) return false;
    const w = (this.walker ??= { at: c, buf: new Float64Array(this.size) });
    w.buf.set(from);
    w.at = c;
    return true;
  }

  /**
   * R(t), concatenated in `names` order (the returned array is shared: copy before changing).
   * `cell` may pass step t's contributions (or its whole `cellBackwardAt`) when the caller has it.
   */
  at(t: number, cell?: Record<string, Float64Array>): Sums;
  at(t: number, cell: Record<string, Float64Array> | undefined, maxWork: number): Sums | undefined;
  /**
   * With `maxWork`: undefined instead of computing more than that many step contributions now
   * (a deep jump before the background build got there must not block the worker for O(T_b)
   * cell backwards; the build fills the checkpoints and a later request gets the sums).
   */
  at(t: number, cell?: Record<string, Float64Array>, maxWork = Infinity): Sums | undefined {
    if (!Number.isInteger(t) || t < 0 || t >= this.T_b) throw new Error(`running sums: step ${t} is outside 0..${this.T_b - 1}`);
    if (t < this.lowestReady) throw new Error(`running sums: backward step ${t} is not computed yet`);
    const hit = this.known(t) ?? (this.walker?.at === t ? this.walker.buf : undefined);
    if (hit) {
      this.cursor = t;
      return this.keep(t, hit);
    }
    const c = this.nearestAbove(t);
    if (c - t - (cell ? 1 : 0) > maxWork) return undefined;
    this.cursor = t;
    const cellAt = cell ? { t, cell } : undefined;
    if (c === this.frontier) {
      // Nothing known between t and the frontier: walking the frontier down is the same work
      // and leaves its checkpoints behind.
      while (this.frontier > t) this.advance(cellAt);
      return this.checkpoints.get(t) ?? this.keep(t, this.acc);
    }
    while (this.walker?.at !== t) this.walkToward(t, t, cellAt);
    return this.keep(t, this.walker.buf);
  }

  /**
   * Idle work: compute, for about `budgetMs` (at least one contribution), the sums the span wants
   * around the cursor, nearest first above it (stepping back), then below. False when there is
   * nothing to do (no cursor, no span, or all held).
   */
  prefetch(budgetMs: number): boolean {
    const at = this.cursor;
    // (before the build passed the cursor, a request walks the frontier down: the build's work)
    if (at === undefined || this.fine === 0 || at < this.frontier - 1) return false;
    const t0 = now();
    let did = false;
    for (;;) {
      const target = this.nextTarget(at);
      if (target === undefined) return did;
      // (the contribution the walk needs next must be cheap: else wait, see `ready`)
      if (!this.ready(this.nearestAbove(target) - 1)) return did;
      this.walkToward(target, at);
      did = true;
      if (now() - t0 >= budgetMs) return true;
    }
  }

  /** The wanted sum to compute next: the lowest missing one above the cursor, else the highest below. */
  private nextTarget(at: number): number | undefined {
    const hi = Math.min(this.T_b - 1, at + above(this.spacing, this.fine));
    for (let s = at + 1; s <= hi; s++) if (this.isTarget(s, at) && !this.known(s)) return s;
    for (let s = at - 1; s >= Math.max(this.lowestReady, at - JUMP - this.fine); s--) if (this.isTarget(s, at) && !this.known(s)) return s;
    return undefined;
  }

  /** One gradient's slice of a `Sums` buffer. */
  part(sums: Sums, grad: string): Float64Array {
    const k = this.names.findIndex((n) => n === grad);
    if (k < 0) throw new Error(`running sums: no gradient ${grad}`);
    return sums.subarray(this.offsets[k], this.offsets[k + 1]);
  }

  /**
   * How many step contributions one request may compute: at least the checkpoint spacing (so
   * every step is answerable once the checkpoints exist), and otherwise about 2·10⁸ multiply-adds
   * (tenths of a second), whatever T_b is.
   */
  get maxWorkPerRequest(): number {
    const { n_x, n_a, m } = this.run.problem.dims;
    const H = (this.run.problem.cell === 'lstm' ? 4 : 1) * n_a;
    const macs = 2 * H * (n_a + n_x) * m;
    return Math.max(this.spacing, Math.floor(2e8 / Math.max(1, macs)));
  }

  /** Bytes held by checkpoints, the span, the walker, the accumulator and the pool. */
  get bytes(): number {
    const bufs = new Set<Sums>([this.acc, ...this.checkpoints.values(), ...this.span.values(), ...this.pool]);
    if (this.walker) bufs.add(this.walker.buf);
    if (this.zero) bufs.add(this.zero);
    return bufs.size * this.size * 8;
  }
}

/** A run holding every step's caches (a `RunView`), rather than one that recomputes them. */
function hasCaches(r: SumsRun): r is RunView {
  return 'forward' in r && 'finished' in r;
}

const byRun = new WeakMap<RunView, RunningSums>();

/** The running sums of a run (one per run object, made on first use). */
export function runningSumsFor(run: RunView, opts?: RunningSumsOptions): RunningSums {
  let s = byRun.get(run);
  if (!s) {
    s = new RunningSums(run, opts);
    byRun.set(run, s);
  }
  return s;
}
