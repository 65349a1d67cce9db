/**
 * How the run worker slices a run into short `advance()` calls. Any slicing of the forward gives
 * the same numbers; the backward batches its dW/db/dx products by chunks of the engine's
 * (`chunkSteps`) and each `advance()` ends with a flush, so a backward slice that ended inside a
 * chunk would group those sums differently from an unsliced run and change their last bits. So:
 * a forward slice never runs on into the backward, and a backward slice is exactly the rest of
 * the current chunk (not timed: one chunk is about one slice's work or more). The caches, and the
 * export, are then `rnn-stepper run`'s bit for bit.
 */
import { chunkSteps } from '../engine/core';

export interface SliceView {
  readonly forwardDone: number;
  readonly backwardDone: number;
  readonly problem: { readonly dims: { readonly m: number; readonly T_x: number } };
  readonly backward: { readonly T_b: number };
}

/** The next slice: at most `cap` steps within `budgetMs` (Infinity: not timed). */
export function nextSlice(r: SliceView, sliceMs: number): { cap: number; budgetMs: number } {
  const { m, T_x } = r.problem.dims;
  const forwardLeft = T_x - r.forwardDone;
  // The very first slice computes one step only, so the first step is paintable at once.
  if (forwardLeft > 0) return { cap: r.forwardDone === 0 ? 1 : forwardLeft, budgetMs: sliceMs };
  const Tc = chunkSteps(m, r.backward.T_b);
  return { cap: Tc - (r.backwardDone % Tc), budgetMs: Infinity };
}
