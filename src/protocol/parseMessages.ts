/**
 * The runtime checks of the panel protocol (messages.ts): `parseFromWebview` on everything the
 * host receives from the (untrusted) webview, `parseToWebview` on everything the webview receives
 * (defence in depth). Both return the typed message or a reason string and never throw.
 */

import { parseCheckFromWebview, parseCheckPanelData } from './check';
import { parseGradcheckFromWebview, parseGradcheckPanelData } from './gradcheck';
import {
  MAX_WINDOW_STEPS,
  MOVES,
  STEP_PARTS,
  STOP_REASONS,
  type FromWebview,
  type Phase,
  type RunInfo,
  type StepPart,
  type TensorPayload,
  type ToWebview,
} from './messages';

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

/** A non-empty list of distinct step parts (messages.ts STEP_PARTS). */
const isParts = (v: unknown): v is StepPart[] =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.length <= STEP_PARTS.length &&
  v.every((p, i) => (STEP_PARTS as readonly unknown[]).includes(p) && v.indexOf(p) === i);

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
        if (!hasOnly(raw, ['type', 'messageId', 'runId', 'phase', 't', 'parts'])) return 'unexpected keys in requestStep';
        if (!isInt(raw.messageId) || !isInt(raw.runId) || !isPhase(raw.phase) || !isInt(raw.t))
          return 'bad requestStep fields';
        if (raw.parts !== undefined && !isParts(raw.parts)) return 'bad requestStep parts';
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
          raw.tensors.every(isTensor) && (raw.parts === undefined || isParts(raw.parts))
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
