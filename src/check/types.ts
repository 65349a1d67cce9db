import type { Problem } from '../engine/types';

/**
 * The data contract of "Check my implementation": the `rnn-stepper.check` v1 report (what
 * `rnn-stepper check --json` prints, key for key) and the options of `checkImplementation`.
 * Pure types: no `vscode`, no Node imports, so the panel's webview can import them too.
 */

/** The eight classic functions, in the order a family is checked (see `plan.ts`). */
export const RNN_FUNCTIONS = ['rnn_cell_forward', 'rnn_forward', 'rnn_cell_backward', 'rnn_backward'] as const;
export const LSTM_FUNCTIONS = ['lstm_cell_forward', 'lstm_forward', 'lstm_cell_backward', 'lstm_backward'] as const;
export type FunctionName = (typeof RNN_FUNCTIONS)[number] | (typeof LSTM_FUNCTIONS)[number];

export type FunctionStatus = 'match' | 'mismatch' | 'missing' | 'error' | 'timeout';

/** A value as JSON carries it: finite numbers as numbers, NaN/±Infinity as the strings NumPy prints. */
export type JsonNumber = number | 'nan' | 'inf' | '-inf';

/**
 * The first element where the user's output leaves the reference (allclose rule), or the first
 * tensor whose shape differs (then `index`, `mine`, `reference`, the errors are null).
 */
export interface FirstDivergence {
  /** The output's name, as in the classic return values: `a_next`, `ft` (from the cache), `dWax`, `dx`, … */
  tensor: string;
  /** 1-based step t (NumPy index t-1 of the time axis); null for a tensor that is not per step. */
  step: number | null;
  /** 0-based NumPy index into the tensor as the function returns it (sequence tensors include t-1). */
  index: number[] | null;
  mine: JsonNumber | null;
  reference: JsonNumber | null;
  abs_err: JsonNumber | null;
  /** |mine - reference| / |reference|; null when the reference is 0. */
  rel_err: JsonNumber | null;
  shape_mine: number[] | null;
  shape_reference: number[];
}

export interface DiagnosisEntry {
  /** A catalogue id (`bias-missing`, `dW-transposed`, …) or two joined by `+` when only the pair reproduces the numbers. */
  id: string;
  /** What the slip is and how to fix it, one or two sentences. */
  message: string;
}

export interface UserError {
  message: string;
  /** The user's file (for a notebook: the .ipynb), or null when the error is not located in it. */
  file: string | null;
  /** 1-based line in `file` (for a notebook: the line inside the cell `cell`). */
  line: number | null;
}

export interface FunctionReport {
  name: FunctionName;
  status: FunctionStatus;
  first_divergence: FirstDivergence | null;
  /** Slips whose outputs reproduce the user's, best first; empty when none does (or status is not mismatch). */
  diagnosis: DiagnosisEntry[];
  error: UserError | null;
}

/** `rnn-stepper check --json`: one object, functions in checking order. */
export interface CheckReport {
  format: 'rnn-stepper.check';
  version: 1;
  /** True when every function present matches (and at least one is present). */
  ok: boolean;
  functions: FunctionReport[];
}

/** A dense row-major array with its NumPy shape (the user's shape for `mine`). */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

/**
 * What the panel needs beyond the JSON for a mismatching function: the whole diverging tensor at
 * the divergent step (for a per-step tensor the (rows, m) slice of step `step`), theirs and ours,
 * so it can draw both and their difference as heatmaps, and every step where a tensor diverges.
 */
export interface DivergenceDetail {
  function: FunctionName;
  tensor: string;
  /** 1-based step, or null for a whole tensor (dW, da0, …). */
  step: number | null;
  /** null when the user's shape differs from the reference's (nothing to draw cell by cell). */
  mine: Tensor | null;
  reference: Tensor;
  /** Row-major offsets into `reference.data` of the cells outside the tolerance. */
  mismatches: number[];
  /** 1-based steps at which any output of this function diverges (the timeline's marks). */
  divergentSteps: number[];
}

/** Where each function is defined in the user's file (for diagnostics at the `def` line, CodeLens). */
export interface Definition {
  name: FunctionName;
  file: string;
  /** 1-based line of the `def` (in a notebook: inside cell `cell`). */
  line: number;
  /** 0-based index of the notebook cell (among all cells), for `.ipynb` input. */
  cell?: number;
}

export interface CheckProgress {
  /** The function being checked, or null while Python starts and the reference is computed. */
  function: FunctionName | null;
  /** Calls of this function done and planned (one per step for a cell function). */
  done: number;
  total: number;
  /** A short line for a progress bar: `lstm_cell_forward, step 412 of 1000`. */
  message: string;
}

export interface CheckOptions {
  /** The user's `.py` or `.ipynb`. */
  implPath: string;
  /**
   * The fixture to check against (a validated Problem from the fixture reader), or undefined for
   * both families on the Coursera-sized problems.
   */
  problem?: Problem;
  /** Python interpreter (default `python3`). */
  python?: string;
  /** Longest a single call of a user function (or the import of their file) may take, ms (default 30000). */
  timeoutMs?: number;
  rtol?: number;
  atol?: number;
  signal?: AbortSignal;
  onProgress?: (p: CheckProgress) => void;
  /** What the user's code printed (its stdout and stderr go here, never into our protocol). */
  onOutput?: (text: string) => void;
  /** The harness script (default: found beside the bundle or the source). */
  harnessPath?: string;
}

export interface CheckResult {
  report: CheckReport;
  /** One per mismatching function whose first divergence has values to draw. */
  details: DivergenceDetail[];
  definitions: Definition[];
  /** Non-fatal remarks: notebook cells skipped, fixture values a classic signature cannot take, … */
  notes: string[];
}

/** Setup failures that mean "bad input" (exit 2): no Python, no NumPy, file not found. */
export class CheckSetupError extends Error {}

/** Thrown when `signal` aborts the check. */
export class CheckCancelled extends Error {
  constructor() {
    super('check cancelled');
  }
}
