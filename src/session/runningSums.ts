/**
 * Running sums of the weight gradients during the backward pass: at backward step t (steps run
 * t = T_b-1 down to 0) the running sum of a gradient is R(t) = Σ_{s=t}^{T_b-1} contribution(s),
 * so R(T_b-1) is the last step's contribution and R(0) the final gradient.
 *
 * Nothing here keeps O(T_b) weight-sized buffers: a "frontier" accumulator walks down from T_b
 * (R(T_b) = 0) one step at a time and leaves a checkpoint copy every `spacing` steps (spacing from
 * a memory budget, 1 for small runs); a few recently served sums are kept too. R(t) is answered
 * from the nearest known sum above t plus the few contributions in between, each contribution
 * recomputed by the engine's `cellBackwardAt`. Sums are always accumulated in the same order
 * (descending s, starting from zero), so R(t) is the same float64 whichever path computed it.
 */
import { now } from '../engine/hostGlobals';
import { paramGradShape, paramGradsOf, type ParamGrad } from '../engine/names';
import { cellBackwardAt } from '../engine/run';
import type { RunView } from './steps';

/**
 * What the sums need of a run: its problem, how far the backward got, and one step's backward
 * quantities (`cellBackwardAt` by default; a checkpointed run gives its own, read from its windows).
 */
export interface SumsRun {
  readonly problem: RunView['problem'];
  readonly backwardDone: number;
  readonly backward: { readonly T_b: number };
}

export interface RunningSumsOptions {
  /** Step s's backward quantities (default: `cellBackwardAt` on the run's full caches). */
  cellAt?: (s: number) => Record<string, Float64Array>;
  /** Memory for checkpoints, recent sums and the accumulator together (default 64 MiB). */
  budgetBytes?: number;
  /** Force the checkpoint spacing (tests); default: the smallest that fits the budget. */
  spacing?: number;
  /** How many recently served sums to keep (default 6, fewer if the budget is tight). */
  recent?: number;
}

/** One set of sums: all gradients of the cell concatenated in name order. */
type Sums = Float64Array;

export class RunningSums {
  readonly names: readonly ParamGrad[];
  /** Offsets of each gradient in a `Sums` buffer (names order), plus the total length. */
  readonly offsets: number[];
  readonly size: number;
  readonly spacing: number;
  readonly recentMax: number;
  /** Number of step contributions computed so far (tests check no request recomputes O(T_b)). */
  contributions = 0;
  private readonly T_b: number;
  /** R(frontier) is in `acc`; frontier = T_b means nothing accumulated yet. */
  private frontier: number;
  private readonly acc: Sums;
  private readonly checkpoints = new Map<number, Sums>();
  /** Recently served sums, least recent first. */
  private readonly recent = new Map<number, Sums>();

  private readonly cellAt: (s: number) => Record<string, Float64Array>;

  constructor(readonly run: SumsRun, opts: RunningSumsOptions = {}) {
    this.cellAt = opts.cellAt ?? ((s) => {
      if (!hasCaches(run)) throw new Error('running sums: the run has no caches and no cellAt was given');
      return cellBackwardAt(run.problem, run.forward, run.backward, s);
    });
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
    const bytes = off * 8;
    const slots = Math.max(2, Math.floor((opts.budgetBytes ?? 64 * 1048576) / bytes));
    // The accumulator takes one slot; keep at least as many checkpoint slots as recent ones.
    this.recentMax = Math.max(0, Math.min(opts.recent ?? 6, Math.floor((slots - 1) / 2)));
    const cpSlots = Math.max(1, slots - 1 - this.recentMax);
    this.spacing = Math.max(1, Math.floor(opts.spacing ?? Math.ceil(this.T_b / cpSlots)));
  }

  /** True once every checkpoint exists (the frontier reached step 0). */
  get complete(): boolean {
    return this.frontier === 0;
  }

  /** Lowest step whose contribution is final in the (possibly still running) backward. */
  private get lowestReady(): number {
    return this.T_b - this.run.backwardDone;
  }

  /** Step s's contribution, concatenated in `names` order (reusing `cell` when it is step s's). */
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

  /**
   * R(t), concatenated in `names` order (the returned array is shared: copy before changing).
   * `cell` may pass step t's `cellBackwardAt` result when the caller has it already.
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
    const hit = this.recent.get(t) ?? (t === this.frontier ? this.acc : this.checkpoints.get(t));
    if (hit) return this.remember(t, hit);
    // The nearest known sum above t: a recent one, a checkpoint, the frontier, or R(T_b) = 0.
    let c = this.frontier > t ? this.frontier : this.T_b;
    for (const k of this.recent.keys()) if (k > t && k < c) c = k;
    const cp = Math.ceil(t / this.spacing) * this.spacing;
    if (cp > t && cp < c && this.checkpoints.has(cp)) c = cp;
    if (c - t - (cell ? 1 : 0) > maxWork) return undefined;
    const cellAt = cell ? { t, cell } : undefined;
    if (c === this.frontier) {
      // Nothing known between t and the frontier: walking the frontier down is the same work
      // and leaves its checkpoints behind.
      while (this.frontier > t) this.advance(cellAt);
      return this.checkpoints.get(t) ?? this.remember(t, this.acc.slice());
    }
    const r = c === this.T_b ? new Float64Array(this.size) : (this.recent.get(c) ?? this.checkpoints.get(c)!).slice();
    for (let s = c - 1; s >= t; s--) this.addContribution(r, s, s === t ? cell : undefined);
    return this.remember(t, r);
  }

  private remember(t: number, sums: Sums): Sums {
    if (this.recentMax === 0 || sums === this.acc || this.checkpoints.get(t) === sums) return sums;
    // (the accumulator and checkpoints are known anyway; the accumulator moves on)
    this.recent.delete(t);
    this.recent.set(t, sums);
    while (this.recent.size > this.recentMax) this.recent.delete(this.recent.keys().next().value as number);
    return sums;
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

  /** Bytes held by checkpoints, recent sums and the accumulator. */
  get bytes(): number {
    const bufs = new Set<Sums>([this.acc, ...this.checkpoints.values(), ...this.recent.values()]);
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
