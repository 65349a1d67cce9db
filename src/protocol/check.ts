/**
 * The "Check my implementation" messages between the host and the Step RNN panel, with their
 * guards. Host → panel: `check` (the last result for the panel's fixture, or null to clear it).
 * Panel → host: `checkRun` (run the check again) and `checkOpen` (open the user's file at a
 * function's `def`). Both directions are validated: the panel is untrusted, and the panel checks
 * what it draws (tensor sizes against their buffers, indices in range).
 */

import type { Phase } from './messages';

export const CHECK_FUNCTION_NAMES = [
  'rnn_cell_forward', 'rnn_forward', 'rnn_cell_backward', 'rnn_backward',
  'lstm_cell_forward', 'lstm_forward', 'lstm_cell_backward', 'lstm_backward',
] as const;
export type CheckFunctionName = (typeof CHECK_FUNCTION_NAMES)[number];
export const CHECK_STATUSES = ['match', 'mismatch', 'missing', 'error', 'timeout'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** Where the panel's cursor goes to show a divergence. */
export interface CheckCursor {
  phase: Phase;
  /** 0-based step (0 for `totals`). */
  t: number;
}

/** One row of the panel's per-function summary. */
export interface CheckFunctionRow {
  name: CheckFunctionName;
  status: CheckStatus;
  /** One line: `a_next at t=2 [1, 3]: yours 0.12, reference 0.45 (abs err 3.3e-1)`, the error, or ''. */
  headline: string;
  /** Catalogue ids and their explanation, best first. */
  diagnosis: { id: string; message: string }[];
  /** The first divergence as a cursor position and the tensor's name; null when there is none. */
  jump: (CheckCursor & { tensor: string }) | null;
}

/** The diverging tensor of one function at its first divergent step: theirs and the reference. */
export interface CheckTensor {
  function: CheckFunctionName;
  tensor: string;
  /** 1-based step as the check reports it, or null for a whole tensor. */
  step: number | null;
  rows: number;
  cols: number;
  /** float64 rows × cols, row-major; null when their shape differs (nothing to compare cell by cell). */
  mine: ArrayBuffer | null;
  reference: ArrayBuffer;
  /** Row-major offsets of the cells outside the tolerance. */
  mismatches: number[];
}

export interface CheckPanelData {
  /** The user's file (fsPath) and its base name. */
  implPath: string;
  implName: string;
  ok: boolean;
  /** Tolerances used, for the header. */
  rtol: number;
  atol: number;
  functions: CheckFunctionRow[];
  tensors: CheckTensor[];
  /** Steps where some checked output diverges: the timeline's marks. */
  marks: CheckCursor[];
  /** Non-fatal remarks from the check (notebook cells skipped, …). */
  notes: string[];
}

export type CheckToWebview = { type: 'check'; check: CheckPanelData | null };
export type CheckFromWebview = { type: 'checkRun' } | { type: 'checkOpen'; function: CheckFunctionName };

/** Limits so a message cannot make either side allocate without bound. */
const MAX_ROWS = 512;
const MAX_LIST = 100_000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isStr = (v: unknown, max = 100_000): v is string => typeof v === 'string' && v.length <= max;
const isPhase = (v: unknown): v is Phase => v === 'forward' || v === 'backward' || v === 'totals';
export const isCheckFunctionName = (v: unknown): v is CheckFunctionName =>
  typeof v === 'string' && (CHECK_FUNCTION_NAMES as readonly string[]).includes(v);
const isStatus = (v: unknown): v is CheckStatus => typeof v === 'string' && (CHECK_STATUSES as readonly string[]).includes(v);
const isCursor = (v: unknown): v is CheckCursor => isObj(v) && isPhase(v.phase) && isInt(v.t);

/** Validate a `checkRun` / `checkOpen` from the panel; the message or a reason. */
export function parseCheckFromWebview(raw: Record<string, unknown>): CheckFromWebview | string {
  const keys = Object.keys(raw);
  if (raw.type === 'checkRun') return keys.length === 1 ? { type: 'checkRun' } : 'unexpected keys in checkRun';
  if (raw.type === 'checkOpen') {
    if (!keys.every((k) => k === 'type' || k === 'function')) return 'unexpected keys in checkOpen';
    return isCheckFunctionName(raw.function) ? { type: 'checkOpen', function: raw.function } : 'bad checkOpen function';
  }
  return 'not a check message';
}

function parseRow(v: unknown): CheckFunctionRow | null {
  if (!isObj(v) || !isCheckFunctionName(v.name) || !isStatus(v.status) || !isStr(v.headline) || !Array.isArray(v.diagnosis)) return null;
  const diagnosis: CheckFunctionRow['diagnosis'] = [];
  for (const d of v.diagnosis) {
    if (!isObj(d) || !isStr(d.id, 200) || !isStr(d.message)) return null;
    diagnosis.push({ id: d.id, message: d.message });
  }
  let jump: CheckFunctionRow['jump'] = null;
  if (v.jump !== null) {
    const j = v.jump;
    if (!isCursor(j) || !isObj(j) || !isStr(j.tensor, 64)) return null;
    jump = { phase: j.phase, t: j.t, tensor: j.tensor };
  }
  return { name: v.name, status: v.status, headline: v.headline, diagnosis, jump };
}

function parseTensor(v: unknown): CheckTensor | null {
  if (!isObj(v) || !isCheckFunctionName(v.function) || !isStr(v.tensor, 64)) return null;
  if (!(v.step === null || isInt(v.step, 1)) || !isInt(v.rows, 1, MAX_ROWS) || !isInt(v.cols, 1, MAX_ROWS)) return null;
  const n = v.rows * v.cols * 8;
  if (!(v.reference instanceof ArrayBuffer) || v.reference.byteLength !== n) return null;
  if (!(v.mine === null || (v.mine instanceof ArrayBuffer && v.mine.byteLength === n))) return null;
  const cells = v.rows * v.cols;
  if (!Array.isArray(v.mismatches) || v.mismatches.length > MAX_LIST || !v.mismatches.every((k) => isInt(k, 0, cells - 1))) return null;
  return {
    function: v.function, tensor: v.tensor, step: v.step, rows: v.rows, cols: v.cols,
    mine: v.mine, reference: v.reference, mismatches: v.mismatches,
  };
}

/** Validate the panel data of a `check` message (null clears the panel's check view). */
export function parseCheckPanelData(v: unknown): CheckPanelData | null | string {
  if (v === null) return null;
  if (!isObj(v) || !isStr(v.implPath, 4096) || !isStr(v.implName, 1024) || typeof v.ok !== 'boolean') return 'bad check header';
  if (typeof v.rtol !== 'number' || typeof v.atol !== 'number') return 'bad check tolerances';
  if (!Array.isArray(v.functions) || !Array.isArray(v.tensors) || !Array.isArray(v.marks) || !Array.isArray(v.notes)) return 'bad check lists';
  if (v.marks.length > MAX_LIST || v.functions.length > 16 || v.tensors.length > 16 || v.notes.length > 100) return 'check lists too long';
  const functions: CheckFunctionRow[] = [];
  for (const f of v.functions) {
    const row = parseRow(f);
    if (!row) return 'bad check function row';
    functions.push(row);
  }
  const tensors: CheckTensor[] = [];
  for (const t of v.tensors) {
    const tensor = parseTensor(t);
    if (!tensor) return 'bad check tensor';
    tensors.push(tensor);
  }
  if (!v.marks.every(isCursor) || !v.notes.every((n) => isStr(n, 2000))) return 'bad check marks or notes';
  return {
    implPath: v.implPath, implName: v.implName, ok: v.ok, rtol: v.rtol, atol: v.atol, functions, tensors,
    marks: v.marks.map((m: CheckCursor) => ({ phase: m.phase, t: m.t })), notes: v.notes,
  };
}
