/**
 * The message protocol between the extension host and the Step RNN webview: one module, imported
 * by both sides. Every message is a discriminated union on `type`. Requests from the webview carry
 * a `messageId`; the host's answers carry `inReplyTo`. Tensor data crosses as `ArrayBuffer`s of
 * float64 (row-major), never as nested lists.
 *
 * The webview is untrusted: the host runs `parseFromWebview` (parseMessages.ts) on everything it
 * receives and drops (and logs) what does not validate. The webview runs `parseToWebview` too
 * (cheap, and it catches host bugs early).
 */

import type { CellType, Dims, FixtureKind } from '../engine/types';
import type { CheckFromWebview, CheckToWebview } from './check';
import type { GradcheckFromWebview, GradcheckToWebview } from './gradcheck';

/**
 * The timeline of a run: forward steps t = 0…T_x-1, then backward steps t = T_b-1…0, then one
 * `totals` stop (t = 0) showing the summed gradients (da0, dc0, dW…, db…).
 */
export type Phase = 'forward' | 'backward' | 'totals';

/** Static facts about the loaded run, sent once per (re)load. */
export interface RunInfo {
  /** Increments on every re-run (e.g. after the fixture is saved); replies carry it. */
  runId: number;
  /** Base name of the fixture file, e.g. `rnn_cell_coursera.rnn.json`. */
  fileName: string;
  /**
   * Full path of the fixture (fsPath). The webview keeps it in its `setState` state as `fixture`
   * so the panel serializer can reopen the same file after a reload.
   */
  filePath?: string;
  name: string;
  kind: FixtureKind;
  cell: CellType;
  dims: Dims;
  /** Back-propagated steps (time length of `da`). */
  T_b: number;
  daDefaulted: boolean;
  warnings: string[];
}

/** How far the (streamed) computation has got. Steps < forwardDone are reachable, etc. */
export interface Progress {
  runId: number;
  forwardDone: number;
  /** Backward steps are computed from t = T_b - 1 down; `backwardDone` counts them. */
  backwardDone: number;
  finished: boolean;
  /**
   * First step where a NaN or ±Infinity appears, if any; the run worker also says where in the
   * step's (rows, m) slice and the value (session/nonFinite.ts `NonFiniteHit`), for the warning.
   */
  firstNonFinite?: { phase: Phase; t: number; tensor: string; row?: number; col?: number; value?: number };
  /** Set when the computation failed (engine error): the message to show. */
  error?: string;
  /**
   * Every backward step's running sums can now be served (their checkpoints are built): a
   * backward step received earlier without `sum_*` tensors is worth asking for again.
   */
  sumsComplete?: boolean;
}

/**
 * One tensor of one step: `rows × cols` float64, row-major. Names as in the extension contract;
 * backward steps also carry `sum_<grad>` (e.g. `sum_dWf`, `sum_dba`) for every weight gradient:
 * its running sum Σ_{s=t}^{T_b-1} of the per-step contributions, NumPy shape of the gradient
 * (so at t = 0 it equals the final gradient).
 */
export interface TensorPayload {
  name: string;
  rows: number;
  cols: number;
  data: ArrayBuffer;
}

/**
 * The parts of a stop a request may ask for, so the panel fetches only what it paints. A
 * backward stop has three: `core` (the incoming, gate, and outgoing gradients: what the cell
 * diagram, the explainer and the top cards read; ~0.5 MB for an LSTM with n_a=256, m=32),
 * `grads` (this step's weight-gradient contributions dW…/db…, ~2.6 MB there) and `sums` (their
 * running sums `sum_*`, as much again). A forward or totals stop is one part, `core`.
 */
export const STEP_PARTS = ['core', 'grads', 'sums'] as const;
export type StepPart = (typeof STEP_PARTS)[number];

export interface Diag {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export type ToWebview =
  /**
   * Sent after `ready` and on every (re)load, with the host's cursor. Right after it the host
   * sends that cursor's step unasked (as soon as it is computed), so the webview does not ask for it.
   */
  | { type: 'init'; run: RunInfo; cursor?: { phase: Phase; t: number } }
  | { type: 'progress'; progress: Progress }
  | {
      type: 'step';
      inReplyTo: number;
      runId: number;
      phase: Phase;
      /** 0-based step index. */
      t: number;
      /**
       * The parts this reply answers (absent: the whole stop). A backward reply that answers
       * `sums` without any `sum_*` tensor was sent before the host could compute them (see
       * `Progress.sumsComplete`).
       */
      parts?: StepPart[];
      tensors: TensorPayload[];
    }
  | {
      type: 'window';
      inReplyTo: number;
      runId: number;
      /** e.g. `a`, `c`, `ft`, `it`, `cct`, `ot`, `y`, `da`, `dc`. */
      tensor: string;
      batch: number;
      /**
       * The range actually sent: the request's range clipped to the steps computed so far
       * (forward: t < forwardDone; backward: t >= T_b - backwardDone). Never empty.
       */
      t0: number;
      /** Exclusive. */
      t1: number;
      /** `rows × (t1 - t0)` float64, row-major: units × time for one batch column. */
      rows: number;
      data: ArrayBuffer;
    }
  /**
   * ‖da_next⟨t⟩‖ and ‖dc_next⟨t⟩‖ (Frobenius over units × batch), float64 of length T_b indexed by
   * step t; NaN for steps not computed yet. `from` is the first computed t. Sent while the
   * backward pass fills and once at the end.
   */
  | { type: 'norms'; runId: number; da: ArrayBuffer; dc?: ArrayBuffer; from?: number }
  /**
   * Fixture problems. `stale: true` means a previous good run stays shown (marked stale);
   * `fixture` is the fixture's fsPath (keep it in the webview state for the serializer).
   */
  | { type: 'errors'; diagnostics: Diag[]; stale: boolean; fixture?: string }
  /**
   * Where the cursor is now: the host's timeline (src/session/timeline.ts) owns it and sends this
   * after every move it made, asked for or not (a key, a button, a debug session's stop, a wait
   * for a step that became computed). `reason` and `description` say why it stopped there (e.g.
   * `end`, "The run ends here (totals)."); a move that changed nothing still gets its message.
   */
  | {
      type: 'cursor';
      runId: number;
      phase: Phase;
      t: number;
      reason: StopReason;
      description?: string;
      /**
       * The newest `move` `seq` the host had received from this webview document when it stopped
       * here (absent before the first): the panel's predictions up to it are settled by this stop.
       */
      seq?: number;
    }
  /** The step breakpoints of the timeline (toggled in the panel, or set by a debug client). */
  | { type: 'breakpoints'; steps: { phase: Phase; t: number }[] }
  /** Open the panel's keyboard help (the palette's "Show Keyboard Shortcuts"). */
  | { type: 'showHelp' }
  /** "Check my implementation" results for this fixture (src/protocol/check.ts). */
  | CheckToWebview
  /** The run's parameters (Wf, bf, … / Wax, Waa, ba, Wya, by), once per run, answering `requestParams`. */
  | { type: 'params'; inReplyTo: number; runId: number; tensors: TensorPayload[] }
  /** The panel's gradient check: its progress and results (src/protocol/gradcheck.ts). */
  | GradcheckToWebview;

/** Why the cursor stopped where it is (the timeline's stop reasons). */
export const STOP_REASONS = ['entry', 'step', 'breakpoint', 'exception', 'pause', 'goto', 'end'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/**
 * What the panel asks the host's timeline to do with the cursor. `seek` names its step
 * (`phase`, `t`); `end` is the last computed step; `phaseForward`/`phaseBack` go to the start of
 * the next/this (or previous) phase.
 */
export const MOVES = [
  'stepForward',
  'stepBack',
  'continue',
  'reverseContinue',
  'restart',
  'end',
  'seek',
  'phaseForward',
  'phaseBack',
] as const;
export type Move = (typeof MOVES)[number];

export type FromWebview =
  | { type: 'ready' }
  /** A stop, or only the `parts` of it the panel paints (absent: the whole stop). */
  | { type: 'requestStep'; messageId: number; runId: number; phase: Phase; t: number; parts?: StepPart[] }
  | {
      type: 'requestWindow';
      messageId: number;
      runId: number;
      tensor: string;
      batch: number;
      t0: number;
      t1: number;
    }
  /**
   * Move the host's cursor (the panel never moves it itself): `seek` carries the step. `seq`
   * (1, 2, … per webview document) is echoed in the `cursor` messages that follow, so the panel can
   * tell which of its moves a stop includes (src/webview/cursorPrediction.ts).
   */
  | { type: 'move'; move: Move; phase?: Phase; t?: number; seq?: number }
  /** Set or clear a step breakpoint at (phase, t), or at the host's cursor when none is named. */
  | { type: 'toggleBreakpoint'; phase?: Phase; t?: number }
  | { type: 'export' }
  | { type: 'copyStep'; phase: Phase; t: number }
  | { type: 'openLocation'; line: number; column: number }
  /**
   * The panel painted run `runId`'s first step: the worker, which held still after computing it
   * so that the paint had the cores, goes on (and a staged load starts reading da).
   */
  | { type: 'painted'; runId: number }
  /** A timing from the webview (telemetry only: nothing waits for it). */
  | { type: 'perf'; name: string; ms: number }
  /** The run's parameters, for the Parameters cards and the weighted-sum expansions (asked once per run). */
  | { type: 'requestParams'; messageId: number; runId: number }
  | CheckFromWebview
  | GradcheckFromWebview;

/** Upper bound for any window the webview may ask for (steps), to bound host work per message. */
export const MAX_WINDOW_STEPS = 4096;
