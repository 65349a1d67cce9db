/**
 * What one stop of the timeline shows, assembled from a (possibly still filling) run: the step
 * payloads of the contract (forward, backward, totals), the units × time windows, and the
 * gradient norms over time. Pure TypeScript on the engine's caches: it runs in the worker, and in
 * plain Node for the tests. Everything returned is a fresh copy, so its buffer can be transferred.
 *
 * Backward steps are recomputed on demand by the engine's `cellBackwardAt` (one cell backward,
 * from the stored `da`/`dc` and the forward caches) instead of keeping
 * every per-step intermediate: that is what keeps a big run within memory.
 */
import { cellBackwardAt } from '../engine/run';
import {
  BACKWARD_LSTM,
  BACKWARD_RNN,
  BACKWARD_WINDOWS,
  FORWARD_LSTM,
  FORWARD_RNN,
  FORWARD_WINDOWS,
  PARAM_GRADS_LSTM,
  PARAM_GRADS_RNN,
  TOTALS_LSTM,
  TOTALS_RNN,
  LSTM_GATES,
  isParamGrad,
  paramGradShape,
  sumName,
} from '../engine/names';
import { runningSumsFor, type RunningSums } from './runningSums';
import { partOf } from './stepParts';
import type { BackwardCaches, ForwardCaches, Problem } from '../engine/types';
import type { Phase, StepPart, TensorPayload } from '../protocol/messages';

/** A run as the session sees it: the engine's `Runner` fits, and so does a finished `RunResult`. */
export interface RunView {
  readonly problem: Problem;
  readonly forward: ForwardCaches;
  readonly backward: BackwardCaches;
  readonly forwardDone: number;
  readonly backwardDone: number;
  readonly finished: boolean;
}

// The step names are the engine's (src/engine/names.ts); re-exported for the session's users.
export { BACKWARD_LSTM, BACKWARD_RNN, BACKWARD_WINDOWS, FORWARD_LSTM, FORWARD_RNN, FORWARD_WINDOWS, TOTALS_LSTM, TOTALS_RNN };
/** After the backward names: the running sums Σ_{s≥t} of each weight gradient (see runningSums.ts). */
export const BACKWARD_SUMS_RNN = PARAM_GRADS_RNN.map(sumName);
export const BACKWARD_SUMS_LSTM = PARAM_GRADS_LSTM.map(sumName);

/** Number of back-propagated steps. */
export const backSteps = (run: RunView): number => run.backward.T_b;

/** Lowest backward step whose values are final (steps are computed from T_b-1 down). */
export const firstBackwardReady = (run: RunView): number => run.backward.T_b - run.backwardDone;

/** Why (phase, t) cannot be shown now, or undefined when it can. */
export function unavailable(run: RunView, phase: Phase, t: number): string | undefined {
  const { T_x } = run.problem.dims;
  const T_b = backSteps(run);
  if (!Number.isInteger(t) || t < 0) return `step ${t} is not a step index`;
  switch (phase) {
    case 'forward':
      if (t >= T_x) return `forward step ${t} is outside 0..${T_x - 1}`;
      if (t >= run.forwardDone) return `forward step ${t} is not computed yet`;
      return undefined;
    case 'backward':
      if (t >= T_b) return `backward step ${t} is outside 0..${T_b - 1}`;
      if (t < firstBackwardReady(run)) return `backward step ${t} is not computed yet`;
      return undefined;
    case 'totals':
      if (t !== 0) return `the totals stop has only t = 0`;
      if (!run.finished) return 'the totals are not computed yet';
      return undefined;
  }
}

function payload(name: string, rows: number, cols: number, data: Float64Array): TensorPayload {
  // Always a fresh, exactly sized buffer: callers transfer it.
  const copy = new Float64Array(rows * cols);
  copy.set(data.subarray(0, rows * cols));
  return { name, rows, cols, data: copy.buffer };
}

/** Block t of a step-major `(T, rows, m)` buffer. */
const block = (buf: Float64Array, t: number, rows: number, m: number) =>
  buf.subarray(t * rows * m, (t + 1) * rows * m);

/** x⟨t⟩ as `(n_x, m)` from the NumPy-layout `(n_x, m, T_x)` input. */
function xAt(problem: Problem, t: number): Float64Array {
  const { n_x, m, T_x } = problem.dims;
  const x = problem.x.data, out = new Float64Array(n_x * m);
  for (let q = 0; q < n_x * m; q++) out[q] = x[q * T_x + t];
  return out;
}

export function forwardStep(run: RunView, t: number): TensorPayload[] {
  const { problem, forward: f } = run;
  const { n_x, n_a, n_y, m } = problem.dims;
  const S = n_a * m;
  const aPrev = t === 0 ? problem.a0.data : block(f.a, t - 1, n_a, m);
  const out: TensorPayload[] = [payload('xt', n_x, m, xAt(problem, t)), payload('a_prev', n_a, m, aPrev)];
  if (problem.cell === 'lstm') {
    const cPrev = t === 0 ? problem.c0?.data ?? new Float64Array(S) : block(f.c!, t - 1, n_a, m);
    out.push(payload('c_prev', n_a, m, cPrev));
    for (const g of LSTM_GATES) out.push(payload(g, n_a, m, block(f[g]!, t, n_a, m)));
    out.push(payload('c_next', n_a, m, block(f.c!, t, n_a, m)));
  }
  out.push(payload('a_next', n_a, m, block(f.a, t, n_a, m)));
  out.push(payload('yt_pred', n_y, m, block(f.y, t, n_y, m)));
  return out;
}


/**
 * Backward step t: the contract's tensors, then `sum_<grad>` for each weight gradient, its running
 * sum Σ_{s=t}^{T_b-1} of the per-step contributions (from `sums`, by default the run's own). The
 * sums are left out when computing them now would take more than `maxWorkPerRequest` cell
 * backwards (a deep jump in a big run before the background build reached it).
 * `sumsT`: the step the sums are asked at when `run` is a window of a bigger run (t is local to
 * the window, the sums are the whole run's). `parts`: only the tensors of these parts of the stop
 * (stepParts.ts; absent: all); the sums are not even looked up when `sums` is not among them.
 */
export function backwardStep(
  run: RunView,
  t: number,
  sums: RunningSums = runningSumsFor(run),
  sumsT = t,
  parts?: readonly StepPart[],
): TensorPayload[] {
  const { problem, forward: f, backward: b } = run;
  const { n_x, n_a, m } = problem.dims;
  const cell = cellBackwardAt(problem, f, b, t);
  const wanted = (name: string) => !parts || parts.includes(partOf('backward', name));
  const names = (problem.cell === 'rnn' ? BACKWARD_RNN : BACKWARD_LSTM).filter(wanted);
  // Omitted (not blocking) when the sums for t are far from any checkpoint yet; see RunningSums.at.
  const R = !parts || parts.includes('sums') ? sums.at(sumsT, cell, sums.maxWorkPerRequest) : undefined;
  const running = R
    ? sums.names.map((g) => {
        const [r, c] = paramGradShape(g, problem.dims);
        return payload(sumName(g), r, c, sums.part(R, g));
      })
    : [];
  return names.map((name): TensorPayload => {
    switch (name) {
      case 'da_next':
        return payload(name, n_a, m, block(b.da, t, n_a, m));
      case 'dc_next':
        return payload(name, n_a, m, block(b.dc!, t, n_a, m));
      case 'dxt':
        return payload(name, n_x, m, cell.dxt);
      default: {
        const v = cell[name];
        if (!v) throw new Error(`the engine returned no ${name} for backward step ${t}`);
        if (isParamGrad(name)) {
          const [r, c] = paramGradShape(name, problem.dims);
          return payload(name, r, c, v);
        }
        return payload(name, n_a, m, v);
      }
    }
  }).concat(running);
}

export function totals(run: RunView): TensorPayload[] {
  const { problem, backward: b } = run;
  const { n_a, m } = problem.dims;
  const names = problem.cell === 'rnn' ? TOTALS_RNN : TOTALS_LSTM;
  return names.map((name) => {
    if (name === 'da0') return payload(name, n_a, m, b.da0);
    if (name === 'dc0') return payload(name, n_a, m, b.dc0!);
    const [r, c] = paramGradShape(name, problem.dims);
    return payload(name, r, c, b.grads[name]);
  });
}

/**
 * The payload of one stop (only the tensors of `parts` when given: stepParts.ts), or the reason
 * it cannot be given (never throws for bad input).
 */
export function stepPayload(run: RunView, phase: Phase, t: number, sums?: RunningSums, parts?: readonly StepPart[]): TensorPayload[] | string {
  const why = unavailable(run, phase, t);
  if (why) return why;
  if (phase === 'backward') return backwardStep(run, t, sums, t, parts);
  // (a forward or totals stop is one part, `core`)
  if (parts && !parts.includes('core')) return [];
  return phase === 'forward' ? forwardStep(run, t) : totals(run);
}

export interface WindowData {
  tensor: string;
  batch: number;
  t0: number;
  t1: number;
  rows: number;
  /** `rows × (t1 - t0)` row-major: units × time for one batch column. */
  data: Float64Array;
}

/**
 * Units × time for one batch column, clipped to the steps computed so far (the reply's t0/t1
 * say which). A string explains a request that cannot be served.
 */
export function windowOf(run: RunView, tensor: string, batch: number, t0: number, t1: number): WindowData | string {
  const { problem, forward: f, backward: b } = run;
  const { n_a, n_y, m, T_x } = problem.dims;
  if (!Number.isInteger(batch) || batch < 0 || batch >= m) return `batch column ${batch} is outside 0..${m - 1}`;
  let buf: Float64Array | undefined;
  let rows = n_a, lo = 0, hi = 0;
  if ((FORWARD_WINDOWS as readonly string[]).includes(tensor)) {
    if (tensor === 'y') rows = n_y;
    buf = tensor === 'a' ? f.a : tensor === 'y' ? f.y : f[tensor as 'c' | 'ft' | 'it' | 'cct' | 'ot'];
    hi = Math.min(run.forwardDone, T_x);
  } else if ((BACKWARD_WINDOWS as readonly string[]).includes(tensor)) {
    buf = tensor === 'da' ? b.da : b.dc;
    lo = firstBackwardReady(run);
    hi = b.T_b;
  } else {
    return `unknown window tensor ${tensor}`;
  }
  if (!buf) return `${tensor} does not exist for an ${problem.cell.toUpperCase()} run`;
  const s = Math.max(t0, lo), e = Math.min(t1, hi);
  if (!(e > s)) return `no computed steps of ${tensor} in [${t0}, ${t1})`;
  const w = e - s, data = new Float64Array(rows * w);
  for (let t = s; t < e; t++) {
    const base = t * rows * m + batch;
    for (let r = 0; r < rows; r++) data[r * w + (t - s)] = buf[base + r * m];
  }
  return { tensor, batch, t0: s, t1: e, rows, data };
}

export interface Norms {
  /** ‖da_next⟨t⟩‖ (Frobenius over units × batch) for t = 0…T_b-1; NaN where not computed yet. */
  da: Float64Array;
  dc?: Float64Array;
  /** First t with a value. */
  from: number;
}

export function gradientNorms(run: RunView): Norms {
  const { n_a, m } = run.problem.dims;
  const b = run.backward, T_b = b.T_b, S = n_a * m, from = firstBackwardReady(run);
  const norms = (buf: Float64Array) => {
    const out = new Float64Array(T_b).fill(NaN);
    for (let t = from; t < T_b; t++) {
      let s = 0;
      for (let q = t * S, e = q + S; q < e; q++) s += buf[q] * buf[q];
      out[t] = Math.sqrt(s);
    }
    return out;
  };
  return { da: norms(b.da), dc: b.dc ? norms(b.dc) : undefined, from };
}

/** The tensors of a payload as nested lists in NumPy layout (for "Copy Step as JSON"). */
export function toNestedLists(tensors: TensorPayload[]): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const p of tensors) {
    const d = new Float64Array(p.data);
    const rows: number[][] = [];
    for (let i = 0; i < p.rows; i++) rows.push(Array.from(d.subarray(i * p.cols, (i + 1) * p.cols)));
    out[p.name] = rows;
  }
  return out;
}
