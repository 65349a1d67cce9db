/**
 * Diagnosis of a sequence backward too big to re-run whole as every slip (a 1000-step LSTM with
 * n_a=256 is ~3·10¹⁰ multiply-adds a re-run, in plain JavaScript): the variants run only the first
 * steps of their BPTT loop, which is where a backward slip shows.
 *
 * BPTT computes step T first, with nothing carried in, so the first steps of a variant's loop
 * cost a few cell backwards and need nothing from the rest of the sequence. They give the
 * variant's dx at those steps, compared with the user's dx there, and the shapes of every
 * gradient (a sum over steps has the shape of one step's term), compared with the user's shapes:
 * shape-only slips (db-keepdims, dW-transposed) are found without the sums.
 *
 * 1. Screen: every form of every slip over the steps up to the user's first divergence (at least
 *    two: da-not-carried and dc-not-carried first show at step T-1, where something is carried).
 * 2. Confirm: the forms that reproduce those steps run further, as many steps as CONFIRM_WORK
 *    allows, and must reproduce every one; when that is the whole loop (a moderately big
 *    problem), they are re-run whole and every output, the sums included, must match.
 * When no single slip survives the screen, pairs of slips are screened if the budget allows.
 */
import { worstRatio, type Tolerance } from './compare';
import { cacheAt, candidates, runVariant, stepWork, type Candidate } from './candidates';
import { PLANS } from './plan';
import type { Reference } from './reference';
import type { DiagnosisEntry, FunctionName, Tensor } from './types';
import { backwardFirstSteps, CORRECT, type Recipe } from './variants/classic';

/** Multiply-adds the screen (every form over the first steps) may cost. */
const SCREEN_WORK = 4e9;
/** Multiply-adds the confirmation of the survivors may cost (~2 s of the variants' JavaScript). */
const CONFIRM_WORK = 2e9;
/** At most this many survivors are confirmed (the closest ones). */
const MAX_CONFIRMED = 4;

export interface WindowDiagnosis {
  entries: DiagnosisEntry[];
  /** What the diagnosis was based on, or why there is none. */
  note: string;
}

/** Step t of the user's `(n, m, T)` dx as an `(n, m)` tensor (null when dx is not 3-D). */
function stepOfMine(dx: Tensor, t: number): Tensor | null {
  const [n, m, T] = dx.shape;
  if (dx.shape.length !== 3 || t >= T) return null;
  const out = new Float64Array(n * m);
  for (let q = 0; q < n * m; q++) out[q] = dx.data[q * T + t];
  return { shape: [n, m], data: out };
}

/** The per-step name a whole-array output is the sum of (da0 is the last step's da_prev). */
function termOf(name: string): string {
  return name === 'da0' ? 'da_prev' : name;
}

/**
 * How far the recipe's first `limit` BPTT steps are from the user's outputs (≤ 1: allclose at
 * every computed step, every gradient's shape the user's); Infinity when it cannot run.
 */
function windowScore(
  ref: Reference, fn: FunctionName, recipe: Partial<Recipe>, mine: Map<string, Tensor>, limit: number, tol: Tolerance,
): number {
  const p = ref.problem;
  let steps: Map<number, Map<string, Tensor>>;
  try {
    steps = backwardFirstSteps({ ...CORRECT, ...recipe }, p.da, p.cell, (t) => cacheAt(ref, t), limit);
  } catch {
    return Infinity; // this slip cannot even run on these shapes (as it would fail in NumPy)
  }
  const dx = mine.get('dx');
  if (!dx) return Infinity;
  const first = steps.values().next().value;
  if (!first) return Infinity;
  // Shapes: the user's whole-array outputs against one step's terms of the variant.
  for (const name of PLANS[fn].outputs) {
    if (name === 'dx') continue;
    const a = mine.get(name), b = first.get(termOf(name));
    if (!a || !b) continue;
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return Infinity;
  }
  let worst = 0;
  for (const [t, g] of steps) {
    const a = stepOfMine(dx, t), b = g.get('dxt');
    if (!a || !b) return Infinity;
    worst = Math.max(worst, worstRatio(a, b, tol));
    if (worst > 1) return worst;
  }
  return worst;
}

/**
 * @param firstStep 0-based step of the user's first divergence (null: it is in a whole-array output).
 * @param mine the user's outputs of the one call.
 */
export function diagnoseBackwardWindow(
  ref: Reference, fn: FunctionName, firstStep: number | null, mine: Map<string, Tensor>, tol: Tolerance,
): WindowDiagnosis {
  const T = ref.result.backward.T_b;
  const perStep = stepWork(ref, fn);
  const singles = candidates(fn);
  // BPTT reaches 0-based step t after T - t steps; a whole-array divergence is looked for in two.
  const reach = firstStep === null ? 2 : Math.max(2, T - firstStep);
  const screenSteps = Math.min(T, reach);
  if (perStep * screenSteps * singles.length > SCREEN_WORK) {
    return {
      entries: [],
      note: `${fn}: no diagnosis: the first divergence is ${screenSteps} steps into the BPTT loop, too deep to re-run every known slip to (${(perStep * screenSteps * singles.length).toExponential(1)} multiply-adds); check a shorter fixture for one`,
    };
  }
  const screen = (list: Candidate[]): Array<Candidate & { score: number }> => list
    .map((c) => ({ ...c, score: windowScore(ref, fn, c.recipe, mine, screenSteps, tol) }))
    .filter((c) => c.score <= 1)
    .sort((a, b) => a.score - b.score);
  let survivors = screen(singles);
  if (survivors.length === 0) {
    const pairs: Candidate[] = [];
    for (let i = 0; i < singles.length; i++) {
      for (let j = i + 1; j < singles.length; j++) {
        const a = singles[i], b = singles[j];
        if (a.id === b.id || Object.keys(a.recipe).some((k) => k in b.recipe)) continue;
        pairs.push({ id: `${a.id}+${b.id}`, message: `Two slips together: ${a.message} And: ${b.message}`, recipe: { ...a.recipe, ...b.recipe } });
      }
    }
    if (perStep * screenSteps * pairs.length <= SCREEN_WORK) survivors = screen(pairs);
  }
  // One entry per id: its closest form.
  const best = new Map<string, Candidate & { score: number }>();
  for (const s of survivors) if (!best.has(s.id)) best.set(s.id, s);
  const confirmed = [...best.values()].slice(0, MAX_CONFIRMED);
  const confirmSteps = confirmed.length === 0
    ? screenSteps
    : Math.min(T, Math.max(screenSteps, Math.floor(CONFIRM_WORK / (perStep * confirmed.length))));
  const whole = confirmSteps >= T;
  const entries: DiagnosisEntry[] = [];
  for (const c of confirmed) {
    const s = whole ? wholeScore(ref, fn, c.recipe, mine, tol) : confirmSteps > screenSteps ? windowScore(ref, fn, c.recipe, mine, confirmSteps, tol) : c.score;
    if (s <= 1) entries.push({ id: c.id, message: c.message });
  }
  const screened = `too big to re-run whole as every known slip: the slips were screened on the first ${screenSteps} of the ${T} steps of the BPTT loop`;
  return {
    entries,
    note: whole || confirmed.length === 0
      ? `${fn}: ${screened}${confirmed.length ? ' and the ones reproducing them re-run whole' : ''}`
      : `${fn}: ${screened} and the ones reproducing them re-run over the first ${confirmSteps} (dx at those steps and the shape of every gradient compared with yours; the sums over all steps were not re-run)`,
  };
}

/** Every output of a whole re-run against the user's (the survivors of a screen, when they fit the budget). */
function wholeScore(ref: Reference, fn: FunctionName, recipe: Partial<Recipe>, mine: Map<string, Tensor>, tol: Tolerance): number {
  let out: Map<string, Tensor>;
  try {
    out = runVariant(ref, fn, { ...CORRECT, ...recipe }, null);
  } catch {
    return Infinity;
  }
  let worst = 0;
  for (const name of PLANS[fn].outputs) {
    const a = mine.get(name), b = out.get(name);
    if (!a || !b) continue;
    worst = Math.max(worst, worstRatio(a, b, tol));
    if (worst > 1) return worst;
  }
  return worst;
}
