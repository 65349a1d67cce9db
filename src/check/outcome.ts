/**
 * Comparing one function's outputs with the reference: shapes first, then values in the plan's
 * order. Cell functions arrive one step at a time (`CellComparison.add`); a sequence function's
 * outputs arrive whole (`compareSequence`). Both keep only what the report and the panel need:
 * the first divergence, the whole diverging tensor at that step, and the divergent steps.
 */
import { close, mismatches, sameShape, shapeDivergence, stepSlice, unravel, valueDivergence, type Tolerance } from './compare';
import type { FunctionPlan } from './plan';
import type { DivergenceDetail, FirstDivergence, FunctionName, Tensor } from './types';

/** How many divergent steps of a cell function the diagnosis re-runs. */
const DIAGNOSED_STEPS = 3;

export interface Outcome {
  first: FirstDivergence | null;
  detail: DivergenceDetail | null;
  /** 0-based step of the first divergence (cell functions: the step whose call diverged). */
  firstStep: number | null;
}

/**
 * The first offset outside the tolerance (`close`, inlined: this loop runs over every number the
 * user's functions return, 2.6 MB a step for a big LSTM cell backward).
 */
export function firstBad(mine: Float64Array, ref: Float64Array, tol: Tolerance): number {
  const { rtol, atol } = tol;
  for (let i = 0; i < ref.length; i++) {
    const a = mine[i], b = ref[i];
    const d = Math.abs(a - b);
    // d is NaN for a NaN (or equal infinities: caught by a === b), Infinity past a finite bound.
    if (d <= atol + rtol * Math.abs(b) && d !== Infinity) continue;
    if (a === b) continue;
    return i;
  }
  return -1;
}

function makeDetail(fn: FunctionName, tensor: string, step: number | null, mine: Tensor | null, ref: Tensor, tol: Tolerance): DivergenceDetail {
  return {
    function: fn, tensor, step, mine, reference: ref,
    mismatches: mine ? mismatches(mine.data, ref.data, tol) : [], divergentSteps: [],
  };
}

/**
 * Compares the outputs of one call, in plan order; null when all match. The detail (every
 * mismatching offset) is made only when asked for: a slip that diverges at all 1000 steps of a
 * big cell backward needs it for the first step only.
 */
function compareOutputs(
  plan: FunctionPlan, step: number | null, mine: Map<string, Tensor>, ref: Map<string, Tensor>, tol: Tolerance,
): { first: FirstDivergence; detail: () => DivergenceDetail } | null {
  for (const name of plan.outputs) {
    const m = mine.get(name), r = ref.get(name);
    if (!m || !r) continue;
    if (!sameShape(m.shape, r.shape)) {
      return { first: shapeDivergence(name, step, m.shape, r.shape), detail: () => makeDetail(plan.name, name, step, null, r, tol) };
    }
  }
  for (const name of plan.outputs) {
    const m = mine.get(name), r = ref.get(name);
    if (!m || !r) continue;
    const k = firstBad(m.data, r.data, tol);
    if (k >= 0) {
      return {
        first: valueDivergence(name, step, unravel(k, r.shape), m.data[k], r.data[k], r.shape),
        detail: () => makeDetail(plan.name, name, step, m, r, tol),
      };
    }
  }
  return null;
}

export class CellComparison {
  private outcome: Outcome = { first: null, detail: null, firstStep: null };
  private readonly steps: number[] = [];
  /**
   * The user's outputs at the first few divergent steps (0-based step → outputs): the diagnosis
   * re-runs those steps, since one step may not tell slips apart (the last BPTT step of a sequence
   * has dc_next = 0, where dcct-errata's dc_next term vanishes).
   */
  readonly mineAt = new Map<number, Map<string, Tensor>>();

  constructor(private readonly plan: FunctionPlan, private readonly tol: Tolerance) {}

  /** One call's outputs at 0-based step t. */
  add(t: number, mine: Map<string, Tensor>, ref: Map<string, Tensor>): void {
    const d = compareOutputs(this.plan, t + 1, mine, ref, this.tol);
    if (!d) return;
    this.steps.push(t + 1);
    if (!this.outcome.first) this.outcome = { first: d.first, detail: d.detail(), firstStep: t };
    if (this.mineAt.size < DIAGNOSED_STEPS) this.mineAt.set(t, mine);
  }

  result(): Outcome {
    if (this.outcome.detail) this.outcome.detail.divergentSteps = [...this.steps].sort((a, b) => a - b);
    return this.outcome;
  }
}

/**
 * A sequence function's outputs (NumPy layout, time last): per-step tensors step by step in
 * `order`, then the whole ones.
 */
export function compareSequence(
  plan: FunctionPlan, mine: Map<string, Tensor>, ref: Map<string, Tensor>, tol: Tolerance, order: readonly number[],
): Outcome {
  for (const name of plan.outputs) {
    const m = mine.get(name), r = ref.get(name);
    if (m && r && !sameShape(m.shape, r.shape)) {
      return { first: shapeDivergence(name, null, m.shape, r.shape), detail: makeDetail(plan.name, name, null, null, r, tol), firstStep: null };
    }
  }
  let out: Outcome = { first: null, detail: null, firstStep: null };
  const divergent = new Set<number>();
  for (const t of order) {
    for (const name of plan.perStep) {
      const m = mine.get(name), r = ref.get(name);
      if (!m || !r) continue;
      const [n, cols, T] = r.shape;
      for (let q = 0; q < n * cols; q++) {
        const o = q * T + t;
        if (close(m.data[o], r.data[o], tol)) continue;
        divergent.add(t + 1);
        if (!out.first) {
          const ms = stepSlice(m, t), rs = stepSlice(r, t);
          out = {
            first: valueDivergence(name, t + 1, [...unravel(q, [n, cols]), t], m.data[o], r.data[o], r.shape),
            detail: makeDetail(plan.name, name, t + 1, ms, rs, tol), firstStep: t,
          };
        }
        break;
      }
    }
  }
  if (!out.first) {
    for (const name of plan.outputs) {
      if (plan.perStep.includes(name)) continue;
      const m = mine.get(name), r = ref.get(name);
      if (!m || !r) continue;
      const k = firstBad(m.data, r.data, tol);
      if (k >= 0) {
        out = {
          first: valueDivergence(name, null, unravel(k, r.shape), m.data[k], r.data[k], r.shape),
          detail: makeDetail(plan.name, name, null, m, r, tol), firstStep: null,
        };
        break;
      }
    }
  }
  if (out.detail) out.detail.divergentSteps = [...divergent].sort((a, b) => a - b);
  return out;
}
