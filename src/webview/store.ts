/**
 * The panel's state as a pure reducer plus a tiny store around it. No DOM here: the store is
 * tested in plain Node with an in-memory stand-in for `acquireVsCodeApi()`.
 *
 * The cursor and the step breakpoints are not the panel's: the host's timeline owns them
 * (src/session/panelCursor.ts) and the store only keeps what is shown (`init`, `cursor`,
 * `breakpoints` messages; while a move is on its way, the step predicted for it, see
 * cursorPrediction.ts), to render it and to save it for a window reload. Moves are intents posted
 * to the host (main.ts), never applied here. What stays the panel's own: the batch column, the
 * table/equations toggles and the help overlay.
 */

import type { Diag, FromWebview, Progress, RunInfo } from '../protocol/messages';
import * as ti from '../session/timelineIndex';
import { isCursor, parseStepKey, sameCursor, stepKey, type Cursor } from '../session/timelineIndex';

export type { Cursor };
export { parseStepKey as parseBpKey, stepKey as bpKey };

/** The part of the state that survives hide/reload (`setState`). Small on purpose. */
export interface Persisted {
  v: 1;
  /** The host's cursor and breakpoints when the state was saved: a restored panel starts there. */
  cursor: Cursor;
  breakpoints: string[];
  batch: number;
  table: boolean;
  equations: boolean;
  /** The fixture's fsPath: the host's panel serializer reopens this file after a reload. */
  fixture?: string;
}

export interface State {
  /** The fixture's fsPath (from `init` or `errors`), persisted for the serializer. */
  fixture?: string;
  run?: RunInfo;
  progress?: Progress;
  /** Where the host's timeline is (or, while a move is on its way, where it is predicted to stop). */
  cursor: Cursor;
  /** The host's step breakpoints, keys `phase:t` sorted by timeline index. */
  breakpoints: string[];
  batch: number;
  /** Table view instead of heatmaps. */
  table: boolean;
  /** Equations next to each tensor (otherwise a compact grid). */
  equations: boolean;
  helpOpen: boolean;
  /** The fixture was edited into an invalid state: the last good run is shown, marked stale. */
  stale: boolean;
  errors: Diag[];
  /** Short user-facing notice about the last move (the host's words: why it stopped there). */
  notice?: string;
}

export type UiAction =
  | { type: 'init'; run: RunInfo; cursor?: Cursor }
  | { type: 'progress'; progress: Progress }
  | { type: 'errors'; diagnostics: Diag[]; stale: boolean; fixture?: string }
  /** Show this step: the host's timeline stopped here, or a move is predicted to stop here (`description`: the host's words, shown as the notice). */
  | { type: 'cursor'; runId: number; cursor: Cursor; description?: string }
  | { type: 'breakpoints'; steps: Cursor[] }
  | { type: 'setBatch'; batch: number }
  | { type: 'toggleTable' }
  | { type: 'toggleEquations' }
  | { type: 'toggleHelp'; open?: boolean }
  | { type: 'restore'; saved: unknown };

export const initialState = (): State => ({
  cursor: { phase: 'forward', t: 0 },
  breakpoints: [],
  batch: 0,
  table: false,
  equations: true,
  helpOpen: false,
  stale: false,
  errors: [],
});

// ---------------------------------------------------------------------------------------------
// Timeline arithmetic (src/session/timelineIndex.ts) on a run's info

type Shape = Pick<RunInfo, 'T_b'> & { dims: { T_x: number } };
const span = (run: Shape): ti.Span => ({ T_x: run.dims.T_x, T_b: run.T_b });

export const timelineLength = (run: Shape): number => ti.timelineLength(span(run));
export const indexOf = (run: Shape, c: Cursor): number => ti.indexOf(span(run), c);
export const cursorAt = (run: Shape, index: number): Cursor => ti.cursorAt(span(run), index);
/** Last reachable timeline index, or -1 when nothing is computed yet. */
export const reachableMax = (run: Shape, progress: Progress | undefined): number => ti.reachableMax(span(run), progress);

/** `Forward · t = 2 of 4` (1-based), `Backward · t = 3 of 4`, `Totals`, or `Loading…` before a run. */
export const positionText = (run: Shape | undefined, c: Cursor): string => (run ? ti.positionText(span(run), c) : 'Loading…');

function sortBreakpoints(run: Shape, steps: Cursor[]): string[] {
  const valid = steps.filter((c) => ti.validCursor(span(run), c));
  valid.sort((a, b) => indexOf(run, a) - indexOf(run, b));
  return [...new Set(valid.map(stepKey))];
}

// ---------------------------------------------------------------------------------------------
// Reducer

/** Pure: the next state. Unknown or impossible actions return `s` itself. */
export function reduce(s: State, a: UiAction): State {
  switch (a.type) {
    case 'restore':
      return restore(s, a.saved);
    case 'init': {
      const run = a.run;
      const c = a.cursor && ti.validCursor(span(run), a.cursor) ? a.cursor : { phase: 'forward' as const, t: 0 };
      const progress = s.progress && s.progress.runId === run.runId ? s.progress : undefined;
      return {
        ...s,
        run,
        fixture: run.filePath ?? s.fixture,
        progress,
        cursor: sameCursor(c, s.cursor) ? s.cursor : { phase: c.phase, t: c.t },
        breakpoints: sortBreakpoints(run, s.breakpoints.flatMap((k) => parseStepKey(k) ?? [])),
        batch: Math.min(Math.max(s.batch, 0), run.dims.m - 1),
        stale: false,
        errors: [],
        notice: undefined,
      };
    }
    case 'progress':
      if (!s.run || a.progress.runId !== s.run.runId) return s;
      return { ...s, progress: a.progress };
    case 'cursor': {
      if (!s.run || a.runId !== s.run.runId || !ti.validCursor(span(s.run), a.cursor)) return s;
      const cursor = sameCursor(a.cursor, s.cursor) ? s.cursor : { phase: a.cursor.phase, t: a.cursor.t };
      return cursor === s.cursor && a.description === s.notice ? s : { ...s, cursor, notice: a.description };
    }
    case 'breakpoints': {
      if (!s.run) return s;
      const keys = sortBreakpoints(s.run, a.steps);
      return keys.join() === s.breakpoints.join() ? s : { ...s, breakpoints: keys };
    }
    case 'errors':
      return { ...s, errors: a.diagnostics, stale: a.stale && !!s.run, fixture: a.fixture ?? s.fixture };
    case 'setBatch': {
      const m = s.run ? s.run.dims.m : 1;
      const b = Math.min(Math.max(Math.trunc(a.batch), 0), m - 1);
      return Number.isFinite(b) && b !== s.batch ? { ...s, batch: b } : s;
    }
    case 'toggleTable':
      return { ...s, table: !s.table };
    case 'toggleEquations':
      return { ...s, equations: !s.equations };
    case 'toggleHelp':
      return { ...s, helpOpen: a.open ?? !s.helpOpen };
  }
}

function restore(s: State, saved: unknown): State {
  if (typeof saved !== 'object' || saved === null) return s;
  const p: Partial<Record<keyof Persisted, unknown>> = saved;
  if (p.v !== 1) return s;
  const next = { ...s };
  if (isCursor(p.cursor)) next.cursor = { phase: p.cursor.phase, t: p.cursor.t };
  if (typeof p.fixture === 'string' && p.fixture.length < 4096) next.fixture = p.fixture;
  if (Array.isArray(p.breakpoints))
    next.breakpoints = p.breakpoints.slice(0, 10000).flatMap((k) => parseStepKey(k) ?? []).map(stepKey);
  if (typeof p.batch === 'number' && Number.isInteger(p.batch) && p.batch >= 0) next.batch = p.batch;
  if (typeof p.table === 'boolean') next.table = p.table;
  if (typeof p.equations === 'boolean') next.equations = p.equations;
  return next;
}

export function persisted(s: State): Persisted {
  return {
    v: 1,
    cursor: s.cursor,
    breakpoints: s.breakpoints,
    batch: s.batch,
    table: s.table,
    equations: s.equations,
    ...(s.fixture !== undefined ? { fixture: s.fixture } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Store

/** What the store needs from `acquireVsCodeApi()` (an in-memory stand-in in tests). */
export interface HostApi {
  getState(): unknown;
  setState(s: unknown): void;
  postMessage(m: FromWebview): void;
}

export type Listener = (s: State, prev: State) => void;

export class Store {
  private s: State;
  private listeners: Listener[] = [];
  private lastSaved = '';

  constructor(private readonly host: HostApi) {
    this.s = reduce(initialState(), { type: 'restore', saved: host.getState() });
    this.lastSaved = JSON.stringify(persisted(this.s));
  }

  get state(): State {
    return this.s;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  dispatch(a: UiAction): State {
    const prev = this.s;
    const next = reduce(prev, a);
    if (next === prev) return prev;
    this.s = next;
    const saved = JSON.stringify(persisted(next));
    if (saved !== this.lastSaved) {
      this.lastSaved = saved;
      this.host.setState(JSON.parse(saved));
    }
    for (const l of this.listeners) l(next, prev);
    return next;
  }
}
