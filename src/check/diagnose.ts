/**
 * Which known slip reproduces the user's numbers: the mismatching function is re-run as every
 * catalogue variant that can be in it (each form of each slip; when none alone fits, pairs of
 * slips), on the same reference inputs, and the variants whose every output allclose-matches the
 * user's are reported, closest first. Shape-only slips (db-keepdims, no-weight-slice, dW-transposed
 * of a non-square W) are found the same way: the variant's shapes are the user's.
 *
 * Budget: the variants are plain JavaScript. A cell function is re-run at its first divergent
 * steps (up to three); a sequence forward over the steps up to its first divergence (the steps after it
 * cannot change the ones before); a sequence backward whose whole re-run as every form costs more
 * than MAX_WORK multiply-adds is diagnosed on the first steps of its BPTT loop (diagnoseWindow.ts).
 */
import { worstRatio, type Tolerance } from './compare';
import { candidates, runVariant, stepWork } from './candidates';
import { diagnoseBackwardWindow } from './diagnoseWindow';
import { PLANS } from './plan';
import type { Reference } from './reference';
import type { DiagnosisEntry, FunctionName, Tensor } from './types';
import { CORRECT, type Recipe } from './variants/classic';

export { runVariant };

/** Multiply-adds all variant re-runs of one sequence function may cost (~ a few seconds of JS). */
const MAX_WORK = 4e9;

/** The first `k` steps of a NumPy-layout (n, m, T) tensor. */
function firstSteps(a: Tensor, k: number): Tensor {
  const [n, m, T] = a.shape;
  const out = new Float64Array(n * m * k);
  for (let q = 0; q < n * m; q++) for (let t = 0; t < k; t++) out[q * k + t] = a.data[q * T + t];
  return { shape: [n, m, k], data: out };
}

export interface Diagnosis {
  entries: DiagnosisEntry[];
  /** What the diagnosis was based on when not the whole function (too big), or why there is none. */
  note?: string;
}

/**
 * @param firstStep 0-based step of the first divergence (sequence forward: where to cut), or null.
 * @param mine the user's outputs by 0-based step (a cell function's first divergent calls; all
 *   must be reproduced), or under null the one call of a sequence function.
 */
export function diagnose(
  ref: Reference, fn: FunctionName, firstStep: number | null, mine: ReadonlyMap<number | null, Map<string, Tensor>>, tol: Tolerance,
): Diagnosis {
  const plan = PLANS[fn];
  const T = plan.backward ? ref.result.backward.T_b : ref.problem.dims.T_x;
  const singles = candidates(fn);
  let steps: number | undefined;
  // Multiply-adds of one re-run (a cell: one step; a forward cut at its divergence: those steps).
  let perRun = stepWork(ref, fn);
  if (!plan.cell) {
    perRun *= T;
    if (plan.backward && perRun * singles.length > MAX_WORK) {
      const whole = mine.get(null);
      return whole ? diagnoseBackwardWindow(ref, fn, firstStep, whole, tol) : { entries: [] };
    }
    if (!plan.backward && perRun * singles.length > MAX_WORK) {
      steps = Math.min(T, (firstStep ?? 0) + 1);
      perRun = stepWork(ref, fn) * steps;
    }
  }
  // (step or null, the user's outputs there), a sequence forward's cut to the steps re-run.
  const targets = [...mine].map(([t, outputs]) => {
    const cut = new Map<string, Tensor>();
    for (const [k, v] of outputs) cut.set(k, steps !== undefined && plan.perStep.includes(k) && v.shape.length === 3 ? firstSteps(v, steps) : v);
    return { t: plan.cell ? t : null, outputs: cut };
  });
  perRun *= Math.max(1, targets.length);
  const score = (recipe: Partial<Recipe>): number => {
    let worst = 0;
    for (const { t, outputs } of targets) {
      let out: Map<string, Tensor>;
      try {
        out = runVariant(ref, fn, { ...CORRECT, ...recipe }, t, steps);
      } catch {
        return Infinity; // this slip cannot even run on these shapes (as it would fail in NumPy)
      }
      for (const name of plan.outputs) {
        const a = outputs.get(name), b = out.get(name);
        if (!a || !b) continue;
        worst = Math.max(worst, worstRatio(a, b, tol));
        if (worst > 1) return worst;
      }
    }
    return worst;
  };
  const found = new Map<string, { message: string; score: number }>();
  for (const c of singles) {
    const s = score(c.recipe);
    const prev = found.get(c.id);
    if (s <= 1 && (!prev || s < prev.score)) found.set(c.id, { message: c.message, score: s });
  }
  const pairs = (singles.length * (singles.length - 1)) / 2;
  if (found.size === 0 && perRun * pairs <= MAX_WORK) {
    // Two slips in the same function: pairs of forms of different slips changing different hooks.
    for (let i = 0; i < singles.length; i++) {
      for (let j = i + 1; j < singles.length; j++) {
        const a = singles[i], b = singles[j];
        if (a.id === b.id || Object.keys(a.recipe).some((k) => k in b.recipe)) continue;
        const id = `${a.id}+${b.id}`;
        if (found.has(id)) continue;
        const s = score({ ...a.recipe, ...b.recipe });
        if (s <= 1) found.set(id, { message: `Two slips together: ${a.message} And: ${b.message}`, score: s });
      }
    }
  }
  const entries = [...found.entries()].sort((x, y) => x[1].score - y[1].score).map(([id, v]) => ({ id, message: v.message }));
  return { entries };
}
