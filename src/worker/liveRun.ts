/**
 * The run as the session holds it. `SessionRun` is what the session asks of a run (compute a
 * slice; a step's payload, a units × time window, the gradient norms, the first non-finite value,
 * the running sums, the export); two runs answer it:
 * - `LiveRun` (here): the engine's streaming runner, every step's caches held (small runs);
 * - `CheckpointedSessionRun` (checkpointedRun.ts): checkpoints every k steps and windows
 *   recomputed on demand, memory that does not grow with T (runs above the cache budget).
 */
import { createRunner, type Runner } from '../engine';
import type { Problem } from '../engine/types';
import type { Phase, TensorPayload } from '../protocol/messages';
import { NonFiniteScanner, type NonFiniteHit } from '../session/nonFinite';
import { RunningSums } from '../session/runningSums';
import { nextSlice } from '../session/slicing';
import { stepPayload, windowOf, type Norms, type RunView, type WindowData } from '../session/steps';
import { exportRun } from './export';

/** What the session needs of a run. */
export interface SessionRun {
  readonly problem: Problem;
  readonly forwardDone: number;
  readonly backwardDone: number;
  readonly finished: boolean;
  /** Forward steps of x the next slice needs at least (0 once the forward is done). */
  stepsWanted(): number;
  /** Compute one slice of about `sliceMs`, at most `room` more forward steps (x still being read). */
  slice(sliceMs: number, room: number): void;
  /** The payload of a stop, or why it cannot be given. */
  step(phase: Phase, t: number): TensorPayload[] | string;
  window(tensor: string, batch: number, t0: number, t1: number): WindowData | string;
  norms(): Norms;
  /** The first NaN/±Infinity among the steps computed so far (sticky). */
  nonFinite(): NonFiniteHit | undefined;
  /** Build the running sums' checkpoints for about `ms`; true when all are built. */
  buildSums(ms: number): boolean;
  /** Write the export (the run has finished); the byte count. */
  exportTo(path: string, cancelled: () => boolean): Promise<number>;
  /** Work worth doing while idle (a window the panel is likely to ask for next); true if any was done. */
  idle(): boolean;
}

export class LiveRun implements SessionRun, RunView {
  private readonly scanner = new NonFiniteScanner();

  /** The running sums (public for the tests: their contribution count). */
  readonly sums: RunningSums;
  /** The last backward step asked for: the running sums around it are prefetched when idle. */
  private lastBackward = false;
  /**
   * ‖da⟨t⟩‖, ‖dc⟨t⟩‖ of the backward steps done so far (NaN above), kept between calls: the session
   * posts the norms every 60 ms of the backward, and recomputing every step's each time was
   * quadratic in T (~0.9 s CPU of the T=1000 LSTM run in the panel, `--cpu-prof`).
   */
  private readonly daNorms: Float64Array;
  private readonly dcNorms: Float64Array | undefined;
  /** Steps t >= normsFrom have their norms in daNorms/dcNorms. */
  private normsFrom: number;

  private constructor(readonly problem: Problem, private readonly runner: Runner, sumsBytes: number | undefined) {
    this.sums = new RunningSums(this, { budgetBytes: sumsBytes });
    const T_b = runner.backward.T_b;
    this.daNorms = new Float64Array(T_b).fill(NaN);
    this.dcNorms = runner.backward.dc ? new Float64Array(T_b).fill(NaN) : undefined;
    this.normsFrom = T_b;
  }

  /**
   * Allocates the caches (throws when the engine cannot run this problem). `sumsBytes`: memory
   * for the running sums (see runningSums.ts; default theirs).
   */
  static start(problem: Problem, opts: { keepGateGrads: boolean; sumsBytes?: number }): LiveRun {
    return new LiveRun(problem, createRunner(problem, opts), opts.sumsBytes);
  }

  get forward() {
    return this.runner.forward;
  }
  get backward() {
    return this.runner.backward;
  }
  get forwardDone() {
    return this.runner.forwardDone;
  }
  get backwardDone() {
    return this.runner.backwardDone;
  }
  get finished() {
    return this.runner.finished;
  }
  advance(budgetMs: number, maxSteps?: number): boolean {
    return this.runner.advance(budgetMs, maxSteps);
  }
  stepsWanted(): number {
    return this.forwardDone < this.problem.dims.T_x ? 1 : 0;
  }
  slice(sliceMs: number, room: number): void {
    // (see nextSlice: forward slices stop at the backward, backward slices are whole chunks)
    const s = nextSlice(this, sliceMs);
    this.runner.advance(s.budgetMs, Math.min(s.cap, room));
  }
  step(phase: Phase, t: number): TensorPayload[] | string {
    this.lastBackward = phase === 'backward';
    return stepPayload(this, phase, t, this.sums);
  }
  window(tensor: string, batch: number, t0: number, t1: number): WindowData | string {
    return windowOf(this, tensor, batch, t0, t1);
  }
  /** As `gradientNorms` (same sums, bit for bit), computing only the steps done since the last call. */
  norms(): Norms {
    const b = this.backward, S = this.problem.dims.n_a * this.problem.dims.m;
    const from = b.T_b - this.backwardDone;
    for (let t = from; t < this.normsFrom; t++) {
      this.daNorms[t] = blockNorm(b.da, t, S);
      if (this.dcNorms && b.dc) this.dcNorms[t] = blockNorm(b.dc, t, S);
    }
    this.normsFrom = Math.min(this.normsFrom, from);
    return { da: this.daNorms.slice(), dc: this.dcNorms?.slice(), from };
  }
  nonFinite(): NonFiniteHit | undefined {
    return this.scanner.update(this);
  }
  buildSums(ms: number): boolean {
    return this.sums.build(ms);
  }
  exportTo(path: string, cancelled: () => boolean): Promise<number> {
    return exportRun({ problem: this.problem, forward: this.forward, backward: this.backward }, path, cancelled);
  }
  /** The running sums around the backward step shown, one contribution per call (stepping back finds R(t+1) computed). */
  idle(): boolean {
    return this.lastBackward && this.sums.prefetch(0);
  }
}

/** Frobenius norm of block t of a step-major buffer of S-number blocks (the sum in `gradientNorms`'s order). */
function blockNorm(buf: Float64Array, t: number, S: number): number {
  let s = 0;
  for (let q = t * S, e = q + S; q < e; q++) s += buf[q] * buf[q];
  return Math.sqrt(s);
}
