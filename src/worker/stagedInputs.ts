/**
 * The inputs of a run that arrive after it started (a staged load of a big file): da's numbers,
 * read by another thread while the forward runs, and x, read column by column as the forward
 * needs it. This object says how far the run may go with what is read, takes da when it arrives,
 * and turns a problem found late into one event; the session decides what to post.
 */
import { basename } from 'node:path';
import type { Problem } from '../engine/types';
import type { ColumnReader } from '../fixture/lazyColumns';
import type { WorkerDiag } from './protocol';
import type { DaResult, LoadResult } from './stagedLoad';

/** What the session hears from its late inputs. */
export interface LateInputEvents {
  /** A late input was read and is valid; `warnings` are the whole file's, if any. */
  lateLoaded(warnings: string[], warningDiags: WorkerDiag[]): void;
  /**
   * A late input is invalid: `message` for the host's diagnostics, `reason` for the progress
   * error and the waiting exports (the steps computed so far stay valid).
   */
  lateInvalid(diagnostics: WorkerDiag[], message: string, reason: string): void;
  /** Input the run was waiting for is there: the run may go on. */
  resume(): void;
}

export interface StagedInputsOptions {
  problem: Problem;
  /** da's numbers are still being read (they come to `daArrived`). */
  daPending: boolean;
  /** x's numbers are read as the forward goes (`problem.x.data` is filled in place). */
  lazyX?: ColumnReader;
  path: string;
  /** The positioned reader over the whole file, for when the column reader declines x. */
  loadWhole(): Promise<LoadResult>;
  /** Forward steps computed so far (for the message when x turns out invalid). */
  forwardDone(): number;
  events: LateInputEvents;
}

export class StagedInputs {
  private daPending: boolean;
  /** The array the runner reads da from (filled in place when the numbers arrive). */
  private daTarget: Float64Array | undefined;
  /** The pump stopped at the end of the forward, waiting for da. */
  private stalled = false;
  private lazyX: ColumnReader | undefined;
  /** The positioned reader is looking at a file the column reader declined. */
  private xFallback = false;
  /** x turned out invalid: the forward stops where x stopped. */
  private xError: string | undefined;
  /**
   * Why the backward cannot run (da invalid, or x invalid): the progress error, and the answer
   * to an export. Undefined while the run can finish.
   */
  failure: string | undefined;

  constructor(private readonly o: StagedInputsOptions) {
    this.daPending = o.daPending;
    this.lazyX = o.lazyX;
  }

  /**
   * The run's da array is fixed now (the runner is about to read it): a pending da gets a
   * zero-filled array of its shape when the loader did not give one, filled when da arrives.
   */
  bind(problem: Problem): void {
    const { n_a, m } = problem.dims;
    const T_b = problem.da.shape[2] ?? 1;
    if (this.daPending && problem.da.data.length === 0) {
      problem.da = { shape: problem.da.shape, data: new Float64Array(n_a * m * T_b) };
    }
    this.daTarget = problem.da.data;
  }

  /**
   * How many more steps the run may compute now (Infinity: no limit from the inputs). 0 means
   * wait: for da (at the end of the forward: `resume` comes when it arrives), for x's reader, or
   * for ever (an input is invalid).
   */
  room(forwardDone: number, T_x: number, m: number): number {
    if (this.xError !== undefined) return 0;
    const forwardLeft = T_x - forwardDone;
    if (forwardLeft <= 0) {
      if (this.daPending || this.failure !== undefined) {
        this.stalled = this.daPending;
        return 0;
      }
      return Infinity;
    }
    return this.lazyX ? this.xRoom(forwardDone, m) : Infinity;
  }

  /** How many more forward steps may run after `done` (see ColumnReader.forwardRoom). */
  private xRoom(done: number, m: number): number {
    const x = this.lazyX;
    if (!x || this.xFallback) return 0;
    const room = x.forwardRoom(done, m);
    if (x.complete) this.lazyX = undefined; // (its bytes are gone already)
    else if (x.failedAt) this.startXFallback();
    return room;
  }

  /** Read x's remaining columns for about `ms` (its file bytes are held until all are read). */
  fillX(ms: number): void {
    const x = this.lazyX;
    if (x && !this.xFallback && this.xError === undefined && !x.fillFor(ms)) this.startXFallback();
  }

  /**
   * The column reader declined x (a NaN token, a string, a ragged row…): the positioned reader
   * reads the whole file. Valid after all (NaN tokens: warnings): x's numbers are copied in and
   * the run goes on. Invalid: the diagnostics, and the forward stays where it is.
   */
  private startXFallback(): void {
    const x = this.lazyX;
    if (!x || this.xFallback) return;
    this.xFallback = true;
    void this.o.loadWhole().then((res) => {
      this.xFallback = false;
      if (this.lazyX !== x) return;
      this.lazyX = undefined;
      if (res.ok && res.problem.x.data.length === x.into.length) {
        x.into.set(res.problem.x.data);
        this.o.events.lateLoaded(res.warnings, res.warningDiags);
        this.o.events.resume();
        return;
      }
      const at = this.o.forwardDone();
      const why = res.ok ? `${basename(this.o.path)}: x changed while the run read it: run Step RNN again` : res.message;
      const xError = `${why} (x is read as the run goes: the ${at} forward steps computed are valid; the run cannot go on)`;
      this.xError = xError;
      this.failure ??= xError;
      this.o.events.lateInvalid(res.ok ? [] : res.diagnostics, xError, xError);
    });
  }

  /** The second stage of a staged load arrived: da's numbers, or why the file is invalid. */
  daArrived(r: DaResult): void {
    if (!this.daPending) return;
    this.daPending = false;
    if (!r.ok) {
      this.failure = `${r.message} (the forward steps shown are valid; the backward cannot run)`;
      this.stalled = false;
      this.o.events.lateInvalid(r.diagnostics, r.message, this.failure);
      return;
    }
    if (!r.inPlace) {
      // (in place: the da thread wrote straight into the shared array the runner reads)
      if (this.daTarget) this.daTarget.set(r.data);
      else this.o.problem.da = { shape: this.o.problem.da.shape, data: r.data };
    }
    this.o.events.lateLoaded(r.warnings, r.warningDiags);
    if (this.stalled) {
      this.stalled = false;
      this.o.events.resume();
    }
  }
}
