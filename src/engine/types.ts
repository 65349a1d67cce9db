/**
 * Shared data model of the engine. Pure TypeScript: no `vscode`, no DOM, no Node-only imports,
 * so the engine runs in plain Node, in a worker thread and in a browser.
 *
 * Two layouts are used, and the names say which:
 *  - `NdArray`: a dense row-major (C order) float64 array with a NumPy shape, e.g. `x` is
 *    `(n_x, m, T_x)` exactly as `np.array(fixture["x"])`. Fixtures are read into it and exports
 *    are written from it.
 *  - Step-major buffers (`StepBuffer`): what the engine computes in. Step t of an
 *    `(n, m, T)` sequence is the contiguous row-major `(n, m)` block at offset `t * n * m`, so a
 *    step is one `subarray` and a matmul operand without copying.
 */

export type CellType = 'rnn' | 'lstm';
export type FixtureKind = 'rnn' | 'lstm' | 'rnn_cell' | 'lstm_cell';

export const RNN_PARAM_KEYS = ['Wax', 'Waa', 'Wya', 'ba', 'by'] as const;
export const LSTM_PARAM_KEYS = ['Wf', 'bf', 'Wi', 'bi', 'Wc', 'bc', 'Wo', 'bo', 'Wy', 'by'] as const;
export type RnnParamKey = (typeof RNN_PARAM_KEYS)[number];
export type LstmParamKey = (typeof LSTM_PARAM_KEYS)[number];

export interface Dims {
  n_x: number;
  n_a: number;
  n_y: number;
  m: number;
  /** Forward length. For the cell kinds this is 1. */
  T_x: number;
}

/** Dense row-major float64 array with a NumPy shape. */
export interface NdArray {
  shape: number[];
  data: Float64Array;
}

/** Biases are always normalised to `(n, 1)` by the fixture reader (it also accepts `(n,)`). */
export type RnnParameters = Record<RnnParamKey, NdArray>;
export type LstmParameters = Record<LstmParamKey, NdArray>;

/**
 * A validated fixture, ready to run. Cell kinds are one-step runs: `x` is `xt` reshaped to
 * `(n_x, m, 1)`, `a0` is `a_prev`, `c0` is `c_prev`, `da` is `da_next` as `(n_a, m, 1)` and
 * `dcFinal` is `dc_next`.
 */
export interface Problem {
  kind: FixtureKind;
  cell: CellType;
  /** Fixture `name`, or the file's base name without `.json`/`.rnn.json`. */
  name: string;
  description?: string;
  dims: Dims;
  /** `(n_x, m, T_x)` */
  x: NdArray;
  /** `(n_a, m)` */
  a0: NdArray;
  /** `(n_a, m)`, LSTM only; zeros when the fixture has no `c0`. */
  c0?: NdArray;
  parameters: RnnParameters | LstmParameters;
  /** `(n_a, m, T_b)` with `1 <= T_b <= T_x`: dL/da. Ones when the fixture has none. */
  da: NdArray;
  /** True when `da` was not in the fixture and ones were used (L = sum of a). */
  daDefaulted: boolean;
  /** `(n_a, m)`: dL/dc at the last back-propagated step (LSTM; `dc_next` of `lstm_cell`). */
  dcFinal?: NdArray;
  /** Non-fatal remarks from the reader (e.g. non-finite tokens), already positioned. */
  warnings: string[];
}

/** Forward caches, step-major: every buffer is `T_x` blocks of `(rows, m)`. */
export interface ForwardCaches {
  cell: CellType;
  dims: Dims;
  /** `(T_x, n_a, m)` hidden states a⟨1⟩…a⟨T_x⟩ (a⟨0⟩ is `a0`). */
  a: Float64Array;
  /** `(T_x, n_y, m)` softmax outputs. */
  y: Float64Array;
  /** LSTM only, `(T_x, n_a, m)` each. */
  c?: Float64Array;
  ft?: Float64Array;
  it?: Float64Array;
  cct?: Float64Array;
  ot?: Float64Array;
}

/** Backward results, step-major over the `T_b` back-propagated steps. */
export interface BackwardCaches {
  cell: CellType;
  /** Number of back-propagated steps (time length of `da`). */
  T_b: number;
  /** `(T_b, n_a, m)`: the da_next that reached step t (upstream `da[:,:,t]` + carried da_prev). */
  da: Float64Array;
  /** LSTM only, `(T_b, n_a, m)`: the dc_next that reached step t. */
  dc?: Float64Array;
  /** LSTM only, `(T_b, n_a, m)` each: gradients w.r.t. the gate pre-activations. */
  dft?: Float64Array;
  dit?: Float64Array;
  dcct?: Float64Array;
  dot?: Float64Array;
  /** `(T_b, n_x, m)` */
  dx: Float64Array;
  /** `(n_a, m)` */
  da0: Float64Array;
  /** LSTM only, `(n_a, m)`: the gradient reaching c⟨0⟩ (`dc_prev` of a cell). */
  dc0?: Float64Array;
  /**
   * Parameter gradients in NumPy layout (row-major, same shapes as the parameters):
   * RNN `dWax dWaa dba`; LSTM `dWf dbf dWi dbi dWc dbc dWo dbo`. Biases `(n_a, 1)`.
   */
  grads: Record<string, Float64Array>;
}

export interface RunResult {
  problem: Problem;
  forward: ForwardCaches;
  backward: BackwardCaches;
}

/** A positioned, user-facing problem in a fixture file. */
export interface FixtureDiagnostic {
  /** 1-based line and column, as printed `FILE:LINE:COL: message`. */
  line: number;
  column: number;
  /** 0-based character offset and length of the offending range. */
  offset: number;
  length: number;
  /** Key path, e.g. `parameters.Wax` or `x[1][0]`; `` for the whole document. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** One gradient array's finite-difference check (see `gradcheck`). */
export interface GradcheckRow {
  /** `dx`, `da0`, `dc0` (LSTM) or a parameter gradient (`dWax`, `dbf`, …). */
  name: string;
  /** NumPy shape of the gradient. */
  shape: number[];
  /** Entries probed (all when the array is small, else a seeded sample). */
  checked: number;
  total: number;
  maxAbsErr: number;
  /** max over probed entries of |a−n| / max(|a|+|n|, maxAbsGrad, 1e-8) (see gradcheck.ts). */
  maxRelErr: number;
  /** max |analytic| over the probed entries. */
  maxAbsGrad: number;
  /** NumPy index of the probed entry with the largest relative error. */
  worst: number[];
  /** Every probed entry, in probe order (the panel plots them and lists the worst). */
  entries: GradcheckEntry[];
}

/** One probed entry of a gradient check. */
export interface GradcheckEntry {
  /** NumPy index in the gradient. */
  index: number[];
  analytic: number;
  numeric: number;
  /** |analytic − numeric| / max(|analytic| + |numeric|, maxAbsGrad, 1e-8). */
  relErr: number;
}

/** Medians of `benchmark()`. */
export interface BenchResult {
  forward_ms: number;
  backward_ms: number;
  total_ms: number;
  /** Floating-point work of one forward+backward (matrix products only), in GFLOP. */
  gflop: number;
  gflops: number;
  /**
   * Median process CPU time of forward+backward in ms (Node only, else null). On a shared machine
   * it is steadier than wall time, which includes waiting for a core.
   */
  cpu_total_ms?: number | null;
  /** Peak resident set size of the process in MB, when the runtime exposes it. */
  peak_rss_mb: number | null;
  repeat: number;
  /** The kernels that ran (`wasm-fma`: relaxed-SIMD fused multiply-add, `wasm-simd`: without). */
  backend: 'wasm-fma' | 'wasm-simd' | 'js';
  /** `reused`: each repetition wrote into the caches of the one before; `fresh`: allocated its own. */
  caches: 'reused' | 'fresh';
}
