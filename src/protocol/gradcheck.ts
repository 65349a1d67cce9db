/**
 * The panel's gradient check messages, with their guards. Panel → host: `gradcheckRun` (check the
 * current run's fixture) and `gradcheckCancel`. Host → panel: `gradcheck`, the check's state
 * (running with its progress, done with every probed entry, cancelled, failed with one line).
 * Both directions are validated: the panel is untrusted, and the panel checks what it draws.
 */

export const GRADCHECK_STATES = ['running', 'done', 'cancelled', 'failed'] as const;
export type GradcheckState = (typeof GRADCHECK_STATES)[number];

/** One probed entry: its NumPy index in the gradient, both derivatives, the relative error. */
export interface GradcheckEntryData {
  index: number[];
  analytic: number;
  numeric: number;
  relErr: number;
}

/** One gradient (dx, da0, dc0, dWf, …): its sample and every probed entry. */
export interface GradcheckRowData {
  name: string;
  shape: number[];
  checked: number;
  total: number;
  maxRelErr: number;
  maxAbsGrad: number;
  entries: GradcheckEntryData[];
}

export interface GradcheckPanelData {
  runId: number;
  state: GradcheckState;
  /** Probes done and in all (0 of 0 before the first probe). */
  done: number;
  total: number;
  /** The gradient being probed while running. */
  current: string;
  /** Filled when done. */
  rows: GradcheckRowData[];
  /** Why it failed (one line), or ''. */
  message: string;
  eps: number;
  samples: number;
  seed: number;
  /** Relative error above which a gradient is flagged (the CLI's default 1e-7). */
  tol: number;
  /** Wall-clock milliseconds of the finished check. */
  ms: number;
}

export type GradcheckToWebview = { type: 'gradcheck'; gradcheck: GradcheckPanelData };
export type GradcheckFromWebview = { type: 'gradcheckRun'; runId: number } | { type: 'gradcheckCancel' };

/** Bounds of what the panel accepts (the engine probes at most 64 entries of ≤ 11 gradients by default). */
const MAX_ROWS = 16;
const MAX_ENTRIES = 4096;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
/** Numbers as computed (NaN and ±∞ are results a check must be able to show). */
const isNum = (v: unknown): v is number => typeof v === 'number';
const isName = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(v);
const isIndex = (v: unknown): v is number[] => Array.isArray(v) && v.length >= 1 && v.length <= 3 && v.every(isInt);

/** A panel → host gradient-check message, or why it is refused. */
export function parseGradcheckFromWebview(raw: Record<string, unknown>): GradcheckFromWebview | string {
  const keys = Object.keys(raw);
  if (raw.type === 'gradcheckCancel') return keys.length === 1 ? { type: 'gradcheckCancel' } : 'unexpected keys in gradcheckCancel';
  if (raw.type !== 'gradcheckRun') return 'not a gradient check message';
  if (keys.some((k) => k !== 'type' && k !== 'runId')) return 'unexpected keys in gradcheckRun';
  return isInt(raw.runId) ? { type: 'gradcheckRun', runId: raw.runId } : 'bad gradcheckRun fields';
}

function parseEntry(v: unknown, dims: number): GradcheckEntryData | undefined {
  if (!isObj(v) || !isIndex(v.index) || v.index.length !== dims || !isNum(v.analytic) || !isNum(v.numeric) || !isNum(v.relErr)) return undefined;
  return { index: [...v.index], analytic: v.analytic, numeric: v.numeric, relErr: v.relErr };
}

function parseRow(v: unknown): GradcheckRowData | undefined {
  if (!isObj(v) || !isName(v.name) || !isIndex(v.shape) || !isInt(v.checked) || !isInt(v.total)) return undefined;
  if (!isNum(v.maxRelErr) || !isNum(v.maxAbsGrad) || !Array.isArray(v.entries) || v.entries.length > MAX_ENTRIES) return undefined;
  const shape = [...v.shape];
  const entries: GradcheckEntryData[] = [];
  for (const e of v.entries) {
    const entry = parseEntry(e, shape.length);
    if (!entry || entry.index.some((x, d) => x >= shape[d])) return undefined;
    entries.push(entry);
  }
  return { name: v.name, shape, checked: v.checked, total: v.total, maxRelErr: v.maxRelErr, maxAbsGrad: v.maxAbsGrad, entries };
}

/** A host → panel `gradcheck` payload, or why it is refused (indices must lie in their shapes). */
export function parseGradcheckPanelData(v: unknown): GradcheckPanelData | string {
  if (!isObj(v) || !isInt(v.runId) || !(GRADCHECK_STATES as readonly unknown[]).includes(v.state)) return 'bad gradcheck header';
  if (!isInt(v.done) || !isInt(v.total) || typeof v.current !== 'string' || v.current.length > 32) return 'bad gradcheck progress';
  if (typeof v.message !== 'string' || v.message.length > 2000) return 'bad gradcheck message';
  if (!isNum(v.eps) || !isNum(v.samples) || !isInt(v.seed) || !isNum(v.tol) || !isNum(v.ms)) return 'bad gradcheck settings';
  if (!Array.isArray(v.rows) || v.rows.length > MAX_ROWS) return 'bad gradcheck rows';
  const rows: GradcheckRowData[] = [];
  for (const r of v.rows) {
    const row = parseRow(r);
    if (!row) return 'bad gradcheck row';
    rows.push(row);
  }
  const state = GRADCHECK_STATES.find((s) => s === v.state) ?? 'failed';
  return {
    runId: v.runId, state, done: v.done, total: v.total, current: v.current, rows, message: v.message,
    eps: v.eps, samples: v.samples, seed: v.seed, tol: v.tol, ms: v.ms,
  };
}
