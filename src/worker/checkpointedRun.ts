/**
 * A run whose memory does not grow with T: the engine's `CheckpointedRun` (state every k steps,
 * windows of k steps recomputed on demand) behind the session's `SessionRun`. Each request is
 * answered from the window holding its step, read by the session's own step functions as a
 * small run of its own (the window's problem: its x, da and the state going in), so payloads,
 * windows, norms and the export are those of the full-cache run bit for bit.
 *
 * What is kept for the whole run is O(T) numbers only: the checkpoints, ‖da‖ and ‖dc‖ per step
 * (the norm plot, taken as the backward windows are computed), the first non-finite value
 * (scanned window by window) and the running sums' checkpoints (their own budget).
 */
import { CheckpointedRun, type BackwardWindow, type ForwardWindow } from '../engine/checkpoint';
import { paramGradsAt } from '../engine/run';
import type { BackwardCaches, ForwardCaches, Problem } from '../engine/types';
import type { Phase, StepPart, TensorPayload } from '../protocol/messages';
import { NonFiniteScanner, type NonFiniteHit } from '../session/nonFinite';
import { RunningSums } from '../session/runningSums';
import {
  BACKWARD_WINDOWS, FORWARD_WINDOWS, backwardStep, forwardStep, totals, unavailable, windowOf,
  type Norms, type RunView, type WindowData,
} from '../session/steps';
import { checkpointedSections } from './checkpointedExport';
import { exportRun } from './export';
import type { SessionRun } from './liveRun';

export interface CheckpointedSessionOptions {
  /** Steps between checkpoints (see `spacingForBudget`). */
  spacing: number;
  /** Windows kept each way: the one shown and its neighbours, prefetched (see `idle`). */
  keepWindows: number;
  /** da is ones and not held (a fixture without da). */
  daOnes: boolean;
  /** Buffer of one row group of the export (see checkpointedExport.ts). */
  exportGroupBytes: number;
  /** Memory for the running sums (see runningSums.ts); default theirs. */
  sumsBytes?: number;
}

const EMPTY = new Float64Array(0);

function noForward(p: Problem): ForwardCaches {
  return { cell: p.cell, dims: p.dims, a: EMPTY, y: EMPTY };
}

function noBackward(p: Problem, T_b: number): BackwardCaches {
  return { cell: p.cell, T_b, da: EMPTY, dx: EMPTY, da0: EMPTY, grads: {} };
}

/** Frobenius norm of block t of a step-major buffer of S-number blocks (as `gradientNorms`). */
function blockNorm(buf: Float64Array, t: number, S: number): number {
  let s = 0;
  for (let q = t * S, e = q + S; q < e; q++) s += buf[q] * buf[q];
  return Math.sqrt(s);
}

export class CheckpointedSessionRun implements SessionRun {
  readonly ck: CheckpointedRun;
  private hit: NonFiniteHit | undefined;
  private readonly daNorms: Float64Array;
  private readonly dcNorms: Float64Array | undefined;
  /** The running sums (public for the tests: their contribution count). */
  readonly sums: RunningSums;
  /** The backward window the running sums' build walks through (not one of the panel's). */
  private sumsWindow: BackwardWindow | undefined;
  /** The last step asked for: its neighbouring windows are prefetched when idle. */
  private lastAsked: { phase: Phase; t: number } | undefined;

  constructor(problem: Problem, private readonly opts: CheckpointedSessionOptions) {
    this.ck = new CheckpointedRun(problem, {
      spacing: opts.spacing,
      keepWindows: opts.keepWindows,
      daOnes: opts.daOnes,
      onForwardWindow: (w) => this.forwardSeen(w),
      onBackwardWindow: (w) => this.backwardSeen(w),
    });
    const T_b = this.ck.T_b;
    this.daNorms = new Float64Array(T_b).fill(NaN);
    this.dcNorms = problem.cell === 'lstm' ? new Float64Array(T_b).fill(NaN) : undefined;
    const ck = this.ck;
    this.sums = new RunningSums(
      { problem, get backwardDone() { return ck.backwardDone; }, backward: { T_b } },
      {
        cellAt: (s) => this.cellAt(s),
        budgetBytes: opts.sumsBytes,
        // a step whose window is not held waits for the window prefetch (idle) instead
        ready: (s) => this.ck.holdsBackward(s) || (this.sumsWindow !== undefined && s >= this.sumsWindow.start && s < this.sumsWindow.end),
      },
    );
  }

  get problem(): Problem {
    return this.ck.problem;
  }
  get forwardDone(): number {
    return this.ck.forwardDone;
  }
  get backwardDone(): number {
    return this.ck.backwardDone;
  }
  get finished(): boolean {
    return this.ck.finished;
  }
  get spacing(): number {
    return this.ck.spacing;
  }

  stepsWanted(): number {
    const T_x = this.problem.dims.T_x, done = this.forwardDone;
    return Math.min(T_x, done + this.ck.spacing) - done;
  }

  /** Whole windows for about `sliceMs` (a window is the unit: requests wait at most one). */
  slice(sliceMs: number, room: number): void {
    this.ck.advance(sliceMs, room);
  }

  /** The run's state without its caches: what `unavailable` and the totals read. */
  private status(backward: BackwardCaches = noBackward(this.problem, this.ck.T_b)): RunView {
    return {
      problem: this.problem, forward: noForward(this.problem), backward,
      forwardDone: this.forwardDone, backwardDone: this.backwardDone, finished: this.finished,
    };
  }

  private forwardView(w: ForwardWindow): RunView {
    const n = w.end - w.start;
    return { problem: w.problem, forward: w.caches, backward: noBackward(w.problem, 0), forwardDone: n, backwardDone: 0, finished: false };
  }

  /** A backward window as a run of its own (`scanForward` false: its forward is not looked at by the scanner). */
  private backwardView(w: BackwardWindow, scanForward = true): RunView {
    const n = w.end - w.start;
    return { problem: w.problem, forward: w.forward, backward: w.caches, forwardDone: scanForward ? n : 0, backwardDone: n, finished: true };
  }

  private forwardSeen(w: ForwardWindow): void {
    if (this.hit) return;
    const h = new NonFiniteScanner().update(this.forwardView(w));
    if (h) this.hit = { ...h, t: h.t + w.start };
  }

  private backwardSeen(w: BackwardWindow): void {
    const { n_a, m } = this.problem.dims, S = n_a * m, b = w.caches;
    for (let t = w.start; t < w.end; t++) {
      this.daNorms[t] = blockNorm(b.da, t - w.start, S);
      if (this.dcNorms && b.dc) this.dcNorms[t] = blockNorm(b.dc, t - w.start, S);
    }
    // The running sums walk down through the window while it is at hand (their checkpoints then
    // cost no second recomputation of every window after the run).
    this.sums.build(Infinity);
    if (this.hit) return;
    const h = new NonFiniteScanner().update(this.backwardView(w, false));
    if (h) this.hit = { ...h, t: h.t + w.start };
  }

  /** Step s's weight-gradient contributions for the running sums, from the window holding s. */
  private cellAt(s: number): Record<string, Float64Array> {
    let w = this.sumsWindow;
    if (this.ck.holdsBackward(s)) w = this.ck.backwardWindow(s);
    else if (!w || s < w.start || s >= w.end) w = this.sumsWindow = this.ck.backwardWindow(s, false);
    return paramGradsAt(w.problem, w.forward, w.caches, s - w.start);
  }

  step(phase: Phase, t: number, parts?: readonly StepPart[]): TensorPayload[] | string {
    const why = unavailable(this.status(), phase, t);
    if (why) return why;
    // (a forward or totals stop is one part, `core`)
    if (phase !== 'backward' && parts && !parts.includes('core')) return [];
    if (phase === 'totals') {
      const ck = this.ck;
      return totals(this.status({ ...noBackward(this.problem, ck.T_b), da0: ck.da0, dc0: ck.dc0, grads: ck.grads }));
    }
    this.lastAsked = { phase, t };
    if (phase === 'forward') {
      const w = this.ck.forwardWindow(t);
      return forwardStep(this.forwardView(w), t - w.start);
    }
    const w = this.ck.backwardWindow(t);
    return backwardStep(this.backwardView(w), t - w.start, this.sums, t, parts);
  }

  window(tensor: string, batch: number, t0: number, t1: number): WindowData | string {
    const { m } = this.problem.dims;
    if (!Number.isInteger(batch) || batch < 0 || batch >= m) return `batch column ${batch} is outside 0..${m - 1}`;
    const forward = (FORWARD_WINDOWS as readonly string[]).includes(tensor);
    if (!forward && !(BACKWARD_WINDOWS as readonly string[]).includes(tensor)) return `unknown window tensor ${tensor}`;
    const T_b = this.ck.T_b;
    const lo = forward ? 0 : T_b - this.backwardDone, hi = forward ? this.forwardDone : T_b;
    const s = Math.max(t0, lo), e = Math.min(t1, hi);
    if (!(e > s)) return `no computed steps of ${tensor} in [${t0}, ${t1})`;
    let data: Float64Array | undefined, rows = 0;
    for (let u = s; u < e;) {
      let view: RunView, start: number, end: number;
      if (forward) {
        const w = this.ck.forwardWindow(u);
        [view, start, end] = [this.forwardView(w), w.start, w.end];
      } else {
        const w = this.ck.backwardWindow(u);
        [view, start, end] = [this.backwardView(w), w.start, w.end];
      }
      const v = Math.min(e, end);
      const piece = windowOf(view, tensor, batch, u - start, v - start);
      if (typeof piece === 'string') return piece;
      rows = piece.rows;
      data ??= new Float64Array(rows * (e - s));
      const pw = v - u;
      for (let r = 0; r < rows; r++) data.set(piece.data.subarray(r * pw, (r + 1) * pw), r * (e - s) + (u - s));
      u = v;
    }
    return { tensor, batch, t0: s, t1: e, rows, data: data ?? new Float64Array(0) };
  }

  norms(): Norms {
    return { da: this.daNorms.slice(), ...(this.dcNorms ? { dc: this.dcNorms.slice() } : {}), from: this.ck.T_b - this.backwardDone };
  }

  nonFinite(): NonFiniteHit | undefined {
    return this.hit;
  }

  buildSums(ms: number): boolean {
    const done = this.sums.build(ms);
    if (done) this.sumsWindow = undefined;
    return done;
  }

  exportTo(path: string, cancelled: () => boolean): Promise<number> {
    return exportRun({ problem: this.problem, sections: checkpointedSections(this.ck, this.opts.exportGroupBytes) }, path, cancelled);
  }

  /**
   * Prefetch: at a backward step, first the running sums around it (one contribution per call:
   * stepping back finds R(t+1) computed); then the window next to the last step asked for, on
   * the side it is closer to (stepping back across a window boundary then finds its window
   * computed). One window per call.
   */
  idle(): boolean {
    const at = this.lastAsked;
    if (!at) return false;
    if (at.phase === 'backward' && this.sums.prefetch(0)) return true;
    const k = this.ck.spacing, t = at.t;
    if (at.phase === 'forward') {
      const start = Math.floor(t / k) * k, end = Math.min(this.problem.dims.T_x, start + k);
      const next = t - start < k / 2 ? start - 1 : end;
      if (next < 0 || next >= this.forwardDone || this.ck.holdsForward(next)) return false;
      this.ck.forwardWindow(next);
      return true;
    }
    if (at.phase !== 'backward') return false;
    const T_b = this.ck.T_b;
    const j = Math.floor((T_b - 1 - t) / k), hi = T_b - j * k, lo = Math.max(0, hi - k);
    // the backward is stepped from T_b − 1 down: the window below is the likely next one
    const next = t - lo < k / 2 ? lo - 1 : hi;
    if (next < T_b - this.backwardDone || next >= T_b || this.ck.holdsBackward(next)) return false;
    this.ck.backwardWindow(next);
    return true;
  }
}
