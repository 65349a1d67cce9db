/**
 * The run as the session holds it: the engine's streaming runner seen as the session's
 * `RunView` (it adds the problem). Everything the session reads of the caches (steps, windows,
 * norms, the export) goes through this view, so a run that keeps fewer caches and recomputes
 * the rest can take its place behind the same interface.
 */
import { createRunner, type Runner } from '../engine';
import type { Problem } from '../engine/types';
import type { RunView } from '../session/steps';

/** What the session needs of a run: the view the steps are read from, and compute slices. */
export interface SessionRun extends RunView {
  /** Compute up to `maxSteps` more steps within about `budgetMs`; true when finished. */
  advance(budgetMs: number, maxSteps?: number): boolean;
}

export class LiveRun implements SessionRun {
  private constructor(readonly problem: Problem, private readonly runner: Runner) {}

  /** Allocates the caches (throws when the engine cannot run this problem). */
  static start(problem: Problem, opts: { keepGateGrads: boolean }): LiveRun {
    return new LiveRun(problem, createRunner(problem, opts));
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
}
