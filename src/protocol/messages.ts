/**
 * The message protocol between the extension host and the Step RNN webview: one module, imported
 * by both sides. Every message is a discriminated union on `type`. Requests from the webview carry
 * a `messageId`; the host's answers carry `inReplyTo`. Tensor data crosses as `ArrayBuffer`s of
 * float64 (row-major), never as nested lists.
 *
 * The webview is untrusted: the host runs `parseFromWebview` on everything it receives and drops
 * (and logs) what does not validate. The webview runs `parseToWebview` too (cheap, and it catches
 * host bugs early).
 */

import type { CellType, Dims, FixtureKind } from '../engine/types';
import { parseCheckFromWebview, parseCheckPanelData, type CheckFromWebview, type CheckToWebview } from './check';
import { parseGradcheckFromWebview, parseGradcheckPanelData, type GradcheckFromWebview, type GradcheckToWebview } from './gradcheck';

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
  | { type: 'requestStep'; messageId: number; runId: number; phase: Phase; t: number }
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

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isPhase = (v: unknown): v is Phase => v === 'forward' || v === 'backward' || v === 'totals';
/**
 * A tensor or timing name. Names of `Object.prototype`'s own properties (`__proto__`,
 * `constructor`, `toString`, …) are refused: both sides index plain objects by these names
 * (`ts[t.name] = t`), and `__proto__` there would replace the object's prototype.
 */
const isName = (v: unknown): v is string =>
  typeof v === 'string' &&
  v.length > 0 &&
  v.length <= 32 &&
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) &&
  !Object.hasOwn(Object.prototype, v);

/**
 * No message of the protocol has more keys than this. Checked on the key count alone, before any
 * field is read, so a message with 10^6 keys costs one key listing and no validation.
 */
export const MAX_MESSAGE_KEYS = 16;

/** The steps of the current run the webview may name: what `move`, `toggleBreakpoint` and `copyStep` are checked against. */
export interface StepRange {
  /** Forward steps 0…T_x-1. */
  T_x: number;
  /** Backward steps 0…T_b-1. */
  T_b: number;
}

/** The range of a loaded run (its forward length and back-propagated length). */
export const stepRangeOf = (run: Pick<RunInfo, 'dims' | 'T_b'>): StepRange => ({ T_x: run.dims.T_x, T_b: run.T_b });

/** Whether step (phase, t) exists in the run: forward t < T_x, backward t < T_b, totals only t = 0. */
export function stepInRange(phase: Phase, t: number, range: StepRange): boolean {
  const end = phase === 'forward' ? range.T_x : phase === 'backward' ? range.T_b : 1;
  return Number.isInteger(t) && t >= 0 && t < end;
}

const hasStep = (o: Record<string, unknown>): boolean => o.phase !== undefined || o.t !== undefined;

/** A message's (phase, t): a step of the loaded run, or why not. */
function stepAt(o: Record<string, unknown>, range: StepRange | undefined): true | string {
  const what = String(o.type);
  if (!isPhase(o.phase) || !isInt(o.t)) return `bad ${what} step`;
  if (!range) return `${what} without a loaded run`;
  if (!stepInRange(o.phase, o.t, range)) return `${what} step ${o.phase} ${o.t} is outside the run (T_x ${range.T_x}, T_b ${range.T_b})`;
  return true;
}

/** Only these keys may appear, so a message cannot smuggle extra payload. */
function hasOnly(o: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const k of Object.keys(o)) if (!keys.includes(k)) return false;
  return true;
}

/**
 * Validate a message from the (untrusted) webview. Returns the typed message, or a reason string
 * when it is malformed. Never throws. `range` is the current run's steps: a step named by `move`, `toggleBreakpoint`
 * or `copyStep` must be one of them (without a loaded run they are refused).
 */
export function parseFromWebview(raw: unknown, range?: StepRange): FromWebview | string {
  try {
    if (!isObj(raw)) return 'message is not an object';
    const keyCount = Object.keys(raw).length;
    if (keyCount > MAX_MESSAGE_KEYS) return `message has ${keyCount} keys (at most ${MAX_MESSAGE_KEYS})`;
    switch (raw.type) {
      case 'ready':
      case 'export':
        return hasOnly(raw, ['type']) ? (raw as FromWebview) : `unexpected keys in ${raw.type}`;
      case 'requestStep':
        if (!hasOnly(raw, ['type', 'messageId', 'runId', 'phase', 't'])) return 'unexpected keys in requestStep';
        if (!isInt(raw.messageId) || !isInt(raw.runId) || !isPhase(raw.phase) || !isInt(raw.t))
          return 'bad requestStep fields';
        return raw as FromWebview;
      case 'requestWindow':
        if (!hasOnly(raw, ['type', 'messageId', 'runId', 'tensor', 'batch', 't0', 't1']))
          return 'unexpected keys in requestWindow';
        if (
          !isInt(raw.messageId) ||
          !isInt(raw.runId) ||
          !isName(raw.tensor) ||
          !isInt(raw.batch) ||
          !isInt(raw.t0) ||
          !isInt(raw.t1) ||
          (raw.t1 as number) <= (raw.t0 as number) ||
          (raw.t1 as number) - (raw.t0 as number) > MAX_WINDOW_STEPS
        )
          return 'bad requestWindow fields';
        return raw as FromWebview;
      case 'move': {
        if (!hasOnly(raw, ['type', 'move', 'phase', 't', 'seq'])) return 'unexpected keys in move';
        if (!(MOVES as readonly unknown[]).includes(raw.move)) return 'bad move';
        if (raw.seq !== undefined && !isInt(raw.seq, 1)) return 'bad move seq';
        const at = raw.move === 'seek' ? stepAt(raw, range) : hasStep(raw) ? 'only seek names a step' : undefined;
        return typeof at === 'string' ? at : (raw as FromWebview);
      }
      case 'toggleBreakpoint': {
        if (!hasOnly(raw, ['type', 'phase', 't'])) return 'unexpected keys in toggleBreakpoint';
        const at = hasStep(raw) ? stepAt(raw, range) : undefined;
        return typeof at === 'string' ? at : (raw as FromWebview);
      }
      case 'copyStep':
        if (!hasOnly(raw, ['type', 'phase', 't'])) return `unexpected keys in ${raw.type}`;
        if (!isPhase(raw.phase) || !isInt(raw.t)) return `bad ${raw.type} fields`;
        if (!range) return `${raw.type} without a loaded run`;
        if (!stepInRange(raw.phase, raw.t, range))
          return `${raw.type} step ${raw.phase} ${raw.t} is outside the run (T_x ${range.T_x}, T_b ${range.T_b})`;
        return raw as FromWebview;
      case 'openLocation':
        if (!hasOnly(raw, ['type', 'line', 'column'])) return 'unexpected keys in openLocation';
        if (!isInt(raw.line, 1) || !isInt(raw.column, 1)) return 'bad openLocation fields';
        return raw as FromWebview;
      case 'painted':
        if (!hasOnly(raw, ['type', 'runId'])) return 'unexpected keys in painted';
        if (!isInt(raw.runId)) return 'bad painted fields';
        return raw as FromWebview;
      case 'perf':
        if (!hasOnly(raw, ['type', 'name', 'ms'])) return 'unexpected keys in perf';
        if (!isName(raw.name) || typeof raw.ms !== 'number' || !Number.isFinite(raw.ms) || raw.ms < 0)
          return 'bad perf fields';
        return raw as FromWebview;
      case 'checkRun':
      case 'checkOpen':
        return parseCheckFromWebview(raw);
      case 'requestParams':
        if (!hasOnly(raw, ['type', 'messageId', 'runId'])) return 'unexpected keys in requestParams';
        if (!isInt(raw.messageId) || !isInt(raw.runId)) return 'bad requestParams fields';
        return raw as FromWebview;
      case 'gradcheckRun':
      case 'gradcheckCancel':
        return parseGradcheckFromWebview(raw);
      default:
        return `unknown message type ${JSON.stringify(String(raw.type)).slice(0, 40)}`;
    }
  } catch {
    return 'message could not be inspected';
  }
}

/** A float64 buffer holding exactly `count` values: a shape that disagrees with its bytes is refused. */
const isF64Of = (v: unknown, count: number): v is ArrayBuffer => v instanceof ArrayBuffer && v.byteLength === count * 8;
const isTensor = (v: unknown): v is TensorPayload =>
  isObj(v) && isName(v.name) && isInt(v.rows) && isInt(v.cols) && isF64Of(v.data, v.rows * v.cols);
/** Norm series: whole float64s, and `dc` (LSTM) as long as `da`. */
const isNorms = (da: unknown, dc: unknown): boolean =>
  da instanceof ArrayBuffer && da.byteLength % 8 === 0 && (dc === undefined || isF64Of(dc, da.byteLength / 8));

/**
 * Validate a message from the host (defence in depth on the webview side). Tensor payloads must
 * hold exactly rows × cols (a window: rows × (t1 - t0)) float64 values. Never throws.
 */
export function parseToWebview(raw: unknown): ToWebview | string {
  try {
    if (!isObj(raw) || typeof raw.type !== 'string') return 'message is not an object with a type';
    switch (raw.type) {
      case 'init':
        return isObj(raw.run) && isInt(raw.run.runId) && isObj(raw.run.dims) ? (raw as ToWebview) : 'bad init';
      case 'progress':
        return isObj(raw.progress) && isInt(raw.progress.forwardDone) && isInt(raw.progress.backwardDone)
          ? (raw as ToWebview)
          : 'bad progress';
      case 'step':
        return isInt(raw.inReplyTo) && isPhase(raw.phase) && isInt(raw.t) && Array.isArray(raw.tensors) &&
          raw.tensors.every(isTensor)
          ? (raw as ToWebview)
          : 'bad step';
      case 'window':
        return isInt(raw.inReplyTo) && isName(raw.tensor) && isInt(raw.rows) && isInt(raw.t0) && isInt(raw.t1) &&
          raw.t1 > raw.t0 && isF64Of(raw.data, raw.rows * (raw.t1 - raw.t0))
          ? (raw as ToWebview)
          : 'bad window';
      case 'norms':
        return isNorms(raw.da, raw.dc) ? (raw as ToWebview) : 'bad norms';
      case 'errors':
        return Array.isArray(raw.diagnostics) ? (raw as ToWebview) : 'bad errors';
      case 'cursor':
        return isInt(raw.runId) && isPhase(raw.phase) && isInt(raw.t) && (STOP_REASONS as readonly unknown[]).includes(raw.reason) &&
          (raw.description === undefined || typeof raw.description === 'string') && (raw.seq === undefined || isInt(raw.seq, 1))
          ? (raw as ToWebview)
          : 'bad cursor';
      case 'breakpoints':
        return Array.isArray(raw.steps) && raw.steps.every((c) => isObj(c) && isPhase(c.phase) && isInt(c.t))
          ? (raw as ToWebview)
          : 'bad breakpoints';
      case 'showHelp':
        return { type: 'showHelp' };
      case 'check': {
        const check = parseCheckPanelData(raw.check);
        return typeof check === 'string' ? check : { type: 'check', check };
      }
      case 'params':
        return isInt(raw.inReplyTo) && isInt(raw.runId) && Array.isArray(raw.tensors) && raw.tensors.length <= 16 && raw.tensors.every(isTensor)
          ? (raw as ToWebview)
          : 'bad params';
      case 'gradcheck': {
        const gradcheck = parseGradcheckPanelData(raw.gradcheck);
        return typeof gradcheck === 'string' ? gradcheck : { type: 'gradcheck', gradcheck };
      }
      default:
        return `unknown message type`;
    }
  } catch {
    return 'message could not be inspected';
  }
}
