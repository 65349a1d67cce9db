/**
 * `checkImplementation`: runs the user's functions (in a Python child) on the reference inputs,
 * compares every output with the engine's, and for each mismatch asks the variant catalogue which
 * known slip reproduces the user's numbers.
 */
import { existsSync, statSync } from 'node:fs';
import { randomProblem, type Problem } from '../engine/index';
import { defaultHarnessPath } from './child';
import { diagnose } from './diagnose';
import type { Frame } from './frames';
import { CellComparison, compareSequence, type Outcome } from './outcome';
import { functionsFor, PLANS, stepOrder } from './plan';
import { buildReference, cellReference, harnessArrays, sequenceReference, type Reference } from './reference';
import { HarnessSession, userError } from './session';
import {
  CheckCancelled, CheckSetupError, type CheckOptions, type CheckResult, type Definition, type DivergenceDetail, type FunctionName,
  type FunctionReport, type Tensor, type UserError,
} from './types';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RTOL = 1e-5;
export const DEFAULT_ATOL = 1e-8;

/**
 * Without a fixture: both families at the Coursera notebook's sizes (n_x=3, n_a=5, n_y=2, m=10;
 * the RNN over 4 steps, the LSTM over 7 with dL/da on the first 4, as in its lstm_backward test).
 */
export function courseraProblems(): Problem[] {
  const rnn = randomProblem({ kind: 'rnn', n_x: 3, n_a: 5, n_y: 2, m: 10, T: 4, seed: 1 });
  const lstm = randomProblem({ kind: 'lstm', n_x: 3, n_a: 5, n_y: 2, m: 10, T: 7, seed: 1 });
  const T_b = 4;
  const da = new Float64Array(5 * 10 * T_b);
  for (let q = 0; q < 50; q++) for (let t = 0; t < T_b; t++) da[q * T_b + t] = lstm.da.data[q * 7 + t];
  return [
    { ...rnn, name: 'coursera-rnn' },
    { ...lstm, name: 'coursera-lstm', da: { shape: [5, 10, T_b], data: da } },
  ];
}

function tensorsOf(f: Frame): Map<string, Tensor> {
  return f.arrays;
}

function report(name: FunctionName, status: FunctionReport['status'], extra: Partial<FunctionReport> = {}): FunctionReport {
  return { name, status, first_divergence: null, diagnosis: [], error: null, ...extra };
}

export async function checkImplementation(opts: CheckOptions): Promise<CheckResult> {
  const implPath = opts.implPath;
  if (!existsSync(implPath)) throw new CheckSetupError(`${implPath}: no such file`);
  if (!statSync(implPath).isFile()) throw new CheckSetupError(`${implPath}: not a file`);
  if (!/\.(py|ipynb)$/i.test(implPath)) throw new CheckSetupError(`${implPath}: expected a Python file (.py) or a notebook (.ipynb)`);
  const tol = { rtol: opts.rtol ?? DEFAULT_RTOL, atol: opts.atol ?? DEFAULT_ATOL };
  if (!(tol.rtol >= 0) || !(tol.atol >= 0)) throw new CheckSetupError('rtol and atol must be numbers ≥ 0');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const problems = opts.problem ? [opts.problem] : courseraProblems();
  const progress = opts.onProgress ?? (() => undefined);

  progress({ function: null, done: 0, total: 0, message: 'starting Python' });
  const session = new HarnessSession(
    { python: opts.python ?? 'python3', harnessPath: opts.harnessPath ?? defaultHarnessPath(), implPath, signal: opts.signal, onOutput: opts.onOutput },
    timeoutMs,
  );
  const functions: FunctionReport[] = [];
  const details: DivergenceDetail[] = [];
  const notes: string[] = [];
  try {
    // Python starts (and imports the user's file) while the engine computes the first reference.
    const starting = session.start();
    const refs = new Map<Problem, Reference>();
    const referenceOf = (p: Problem): Reference => {
      const known = refs.get(p);
      if (known) return known;
      const r = buildReference(p, (what) => progress({ function: null, done: 0, total: 0, message: `computing the reference for ${p.name}: ${what}` }));
      refs.set(p, r);
      return r;
    };
    referenceOf(problems[0]);
    const loaded = await starting;
    if (!loaded.ok) {
      for (const p of problems) for (const fn of functionsFor(p.kind)) functions.push(report(fn, 'error', { error: loaded.error }));
      return { report: { format: 'rnn-stepper.check', version: 1, ok: false, functions }, details, definitions: [], notes };
    }
    const { definitions } = loaded.hello;
    notes.push(...loaded.hello.notes);
    const defined = new Set(definitions.map((d) => d.name));
    const slowestStepMs = new Map<string, number>();
    for (const problem of problems) {
      const fns = functionsFor(problem.kind);
      if (!fns.some((f) => defined.has(f))) {
        for (const fn of fns) functions.push(report(fn, 'missing'));
        continue;
      }
      progress({ function: null, done: 0, total: 0, message: `computing the reference for ${problem.name}` });
      const ref = referenceOf(problem);
      notes.push(...ref.notes);
      await session.put(harnessArrays(ref));
      for (const fn of fns) {
        if (opts.signal?.aborted) throw new CheckCancelled();
        if (!defined.has(fn)) {
          functions.push(report(fn, 'missing'));
          continue;
        }
        if (session.restartError) {
          functions.push(report(fn, 'error', { error: { ...session.restartError, message: `not run: restarting Python failed (${session.restartError.message})` } }));
          continue;
        }
        const def = definitions.find((d) => d.name === fn);
        // A sequence call runs T steps of the user's own cell: it may take that long on top of the limit.
        const plan = PLANS[fn];
        const cellMs = plan.cell ? 0 : (slowestStepMs.get(`${problem.cell}:${plan.backward}`) ?? 0);
        const T = plan.backward ? ref.result.backward.T_b : ref.problem.dims.T_x;
        const r = await checkFunction(session, ref, fn, tol, progress, timeoutMs + Math.ceil(3 * T * cellMs), def);
        if (plan.cell) slowestStepMs.set(`${problem.cell}:${plan.backward}`, r.slowestStepMs);
        functions.push(r.report);
        if (r.detail) details.push(r.detail);
        if (r.note) notes.push(r.note);
      }
    }
    const ok = functions.some((f) => f.status === 'match') && functions.every((f) => f.status === 'match' || f.status === 'missing');
    return { report: { format: 'rnn-stepper.check', version: 1, ok, functions }, details, definitions, notes };
  } finally {
    if (opts.signal?.aborted) session.kill();
    else session.close();
  }
}

async function checkFunction(
  session: HarnessSession, ref: Reference, fn: FunctionName, tol: { rtol: number; atol: number },
  progress: NonNullable<CheckOptions['onProgress']>, timeoutMs: number, def: Definition | undefined,
): Promise<{ report: FunctionReport; detail: DivergenceDetail | null; note?: string; slowestStepMs: number }> {
  const r = await checkFunctionOnce(session, ref, fn, tol, progress, timeoutMs, def);
  return { ...r, slowestStepMs: r.slowestStepMs ?? 0 };
}

async function checkFunctionOnce(
  session: HarnessSession, ref: Reference, fn: FunctionName, tol: { rtol: number; atol: number },
  progress: NonNullable<CheckOptions['onProgress']>, timeoutMs: number, def: Definition | undefined,
): Promise<{ report: FunctionReport; detail: DivergenceDetail | null; note?: string; slowestStepMs?: number }> {
  const plan = PLANS[fn];
  const T = plan.backward ? ref.result.backward.T_b : ref.problem.dims.T_x;
  const steps = plan.cell ? stepOrder(plan.backward, T) : null;
  const total = steps ? steps.length : 1;
  let done = 0;
  let error: UserError | null = null;
  let errorStep: number | null = null;
  const cells = new CellComparison(plan, tol);
  let seqMine: Map<string, Tensor> | null = null;
  progress({ function: fn, done, total, message: `${fn}${steps ? `, step 1 of ${total}` : ''}` });
  let ahead: { t: number; outputs: Map<string, Tensor> } | null = null;
  // The slowest wait between two steps' answers: what one call of the user's cell costs here.
  let last = Date.now();
  let slowestStepMs = 0;
  const end = await session.call(fn, steps, (f) => {
    const now = Date.now();
    slowestStepMs = Math.max(slowestStepMs, now - last);
    last = now;
    const t = typeof f.header.step === 'number' ? f.header.step : null;
    if (f.header.op === 'error') {
      error = userError(f.header.error);
      errorStep = t;
      return;
    }
    if (f.header.op !== 'result') return;
    if (t !== null) {
      const ours = ahead?.t === t ? ahead.outputs : cellReference(ref, fn, t);
      cells.add(t, tensorsOf(f), ours);
      // Our next reference is computed now, while Python computes its next step (a big cell
      // backward costs both sides ~20 ms a step: overlapped, not one after the other).
      const k = steps?.indexOf(t) ?? -1;
      const nextT = k >= 0 ? steps?.[k + 1] : undefined;
      ahead = nextT === undefined ? null : { t: nextT, outputs: cellReference(ref, fn, nextT) };
    }
    else seqMine = tensorsOf(f);
    done++;
    progress({ function: fn, done, total, message: `${fn}${steps ? `, step ${Math.min(done + 1, total)} of ${total}` : ''}` });
  }, timeoutMs);
  if (end.end === 'timeout') {
    const at = steps ? ` at step ${done + 1}` : '';
    return {
      report: report(fn, 'timeout', {
        error: { message: `${fn}${at} did not return within ${+(timeoutMs / 1000).toFixed(1)} s (stopped)`, file: def?.file ?? null, line: def?.line ?? null },
      }),
      detail: null,
    };
  }
  if (end.end === 'died') {
    return { report: report(fn, 'error', { error: { message: `Python stopped while running ${fn} (${end.why})`, file: null, line: null } }), detail: null };
  }
  if (error !== null) {
    const e: UserError = error;
    const step: number | null = errorStep;
    const at = step !== null ? ` (at step ${step + 1})` : '';
    return { report: report(fn, 'error', { error: { ...e, message: e.message + at } }), detail: null };
  }
  let outcome: Outcome;
  // The user's outputs the diagnosis re-runs: divergent steps of a cell function, or the one call.
  let mine: Map<number | null, Map<string, Tensor>>;
  if (steps) {
    outcome = cells.result();
    mine = cells.mineAt;
  } else {
    const whole: Map<string, Tensor> | null = seqMine;
    if (!whole) return { report: report(fn, 'error', { error: { message: `${fn} returned nothing`, file: null, line: null } }), detail: null };
    mine = new Map([[null, whole]]);
    outcome = compareSequence(plan, whole, sequenceReference(ref, fn), tol, stepOrder(plan.backward, T));
  }
  if (!outcome.first) return { report: report(fn, 'match'), detail: null, slowestStepMs };
  progress({ function: fn, done, total, message: `${fn}: looking for the slip` });
  const d = diagnose(ref, fn, outcome.firstStep, mine, tol);
  return { report: report(fn, 'mismatch', { first_divergence: outcome.first, diagnosis: d.entries }), detail: outcome.detail, note: d.note, slowestStepMs };
}
