/**
 * The panel's state as a pure reducer plus a tiny store around it. No DOM here: the store is
 * tested in plain Node with an in-memory stand-in for `acquireVsCodeApi()`.
 *
 * The timeline of a run is a flat list of stops, addressed by an index:
 *   0 … T_x-1                forward t = index
 *   T_x … T_x+T_b-1          backward t = T_b-1 … 0 (the backward pass runs back in time)
 *   T_x+T_b                  totals
 * Reachability follows the streamed `Progress`: forward steps < forwardDone, the first
 * `backwardDone` backward stops, and the totals once the backward pass is complete.
 */

import type { Action, Diag, FromWebview, Phase, Progress, RunInfo } from '../protocol/messages';

export interface Cursor {
  phase: Phase;
  t: number;
}

/** The part of the state that survives hide/reload (`setState`). Small on purpose. */
export interface Persisted {
  v: 1;
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
  cursor: Cursor;
  /** A restored/kept cursor not reachable yet: the store moves there when progress allows. */
  pending?: number;
  /** Breakpoint keys `phase:t`, sorted by timeline index when a run is known. */
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
  /** Short user-facing notice about the last action (e.g. why a step could not be taken). */
  notice?: string;
}

export type UiAction =
  | { type: 'init'; run: RunInfo; cursor?: Cursor }
  | { type: 'progress'; progress: Progress }
  | { type: 'errors'; diagnostics: Diag[]; stale: boolean; fixture?: string }
  | { type: 'stepForward' }
  | { type: 'stepBack' }
  | { type: 'continue' }
  | { type: 'reverseContinue' }
  | { type: 'restart' }
  | { type: 'end' }
  | { type: 'toggleBreakpoint'; index?: number }
  | { type: 'goTo'; index: number }
  | { type: 'goToStep'; cursor: Cursor }
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
// Timeline arithmetic

type Shape = Pick<RunInfo, 'T_b'> & { dims: { T_x: number } };

export const timelineLength = (run: Shape): number => run.dims.T_x + run.T_b + 1;

export function indexOf(run: Shape, c: Cursor): number {
  const T_x = run.dims.T_x;
  switch (c.phase) {
    case 'forward':
      return Math.min(Math.max(c.t, 0), T_x - 1);
    case 'backward':
      return T_x + (run.T_b - 1 - Math.min(Math.max(c.t, 0), run.T_b - 1));
    case 'totals':
      return T_x + run.T_b;
  }
}

export function cursorAt(run: Shape, index: number): Cursor {
  const T_x = run.dims.T_x;
  const i = Math.min(Math.max(Math.trunc(index), 0), timelineLength(run) - 1);
  if (i < T_x) return { phase: 'forward', t: i };
  if (i < T_x + run.T_b) return { phase: 'backward', t: run.T_b - 1 - (i - T_x) };
  return { phase: 'totals', t: 0 };
}

/** Last reachable timeline index, or -1 when nothing is computed yet. */
export function reachableMax(run: Shape, progress: Progress | undefined): number {
  if (!progress) return -1;
  const T_x = run.dims.T_x;
  const f = Math.min(progress.forwardDone, T_x);
  if (f < T_x) return f - 1;
  const b = Math.min(progress.backwardDone, run.T_b);
  if (b < run.T_b) return T_x + b - 1;
  return T_x + run.T_b;
}

export const bpKey = (c: Cursor): string => `${c.phase}:${c.t}`;

export function parseBpKey(key: string): Cursor | undefined {
  const m = /^(forward|backward|totals):(\d+)$/.exec(key);
  return m ? { phase: m[1] as Phase, t: Number(m[2]) } : undefined;
}

/** `Forward · t = 2 of 4` (1-based), `Backward · t = 3 of 4`, or `Totals`. */
export function positionText(run: Shape | undefined, c: Cursor): string {
  if (!run) return 'Loading…';
  if (c.phase === 'forward') return `Forward · t = ${c.t + 1} of ${run.dims.T_x}`;
  if (c.phase === 'backward') return `Backward · t = ${c.t + 1} of ${run.T_b}`;
  return 'Totals';
}

const sameCursor = (a: Cursor, b: Cursor) => a.phase === b.phase && a.t === b.t;

function validCursor(run: Shape, c: Cursor): boolean {
  if (c.phase === 'forward') return c.t >= 0 && c.t < run.dims.T_x;
  if (c.phase === 'backward') return c.t >= 0 && c.t < run.T_b;
  return c.t === 0;
}

// ---------------------------------------------------------------------------------------------
// Reducer

function moveTo(s: State, index: number): State {
  const run = s.run!;
  const max = reachableMax(run, s.progress);
  const target = Math.min(Math.max(index, 0), timelineLength(run) - 1);
  if (target > max) {
    const notice =
      max < 0
        ? 'Nothing computed yet: the run is still starting.'
        : `${positionText(run, cursorAt(run, target))} is not computed yet.`;
    if (max < 0) return { ...s, notice, pending: undefined };
    const c = cursorAt(run, max);
    return { ...s, cursor: sameCursor(c, s.cursor) ? s.cursor : c, notice, pending: undefined };
  }
  const c = cursorAt(run, target);
  return { ...s, cursor: sameCursor(c, s.cursor) ? s.cursor : c, notice: undefined, pending: undefined };
}

function bpIndices(s: State): Set<number> {
  const run = s.run!;
  const out = new Set<number>();
  for (const k of s.breakpoints) {
    const c = parseBpKey(k);
    if (c && validCursor(run, c)) out.add(indexOf(run, c));
  }
  return out;
}

function sortBreakpoints(run: Shape, keys: string[]): string[] {
  const valid = [...new Set(keys)]
    .map((k) => parseBpKey(k))
    .filter((c): c is Cursor => !!c && validCursor(run, c));
  return valid.sort((a, b) => indexOf(run, a) - indexOf(run, b)).map(bpKey);
}

/** Pure: the next state. Unknown or impossible actions return `s` itself. */
export function reduce(s: State, a: UiAction): State {
  switch (a.type) {
    case 'restore':
      return restore(s, a.saved);
    case 'init': {
      const run = a.run;
      // Keep where the user was (re-run after save, or state restored after a reload), clamped
      // into the new run; it becomes `pending` until that step is computed.
      let want = a.cursor && isCursor(a.cursor) ? a.cursor : s.cursor;
      if (!validCursor(run, want)) want = { phase: want.phase, t: Math.max(0, Math.min(want.t, want.phase === 'forward' ? run.dims.T_x - 1 : run.T_b - 1)) };
      if (want.phase === 'totals') want = { phase: 'totals', t: 0 };
      const idx = indexOf(run, want);
      const progress = s.progress && s.progress.runId === run.runId ? s.progress : undefined;
      const next: State = {
        ...s,
        run,
        fixture: run.filePath ?? s.fixture,
        progress,
        breakpoints: sortBreakpoints(run, s.breakpoints),
        batch: Math.min(Math.max(s.batch, 0), run.dims.m - 1),
        stale: false,
        errors: [],
        notice: undefined,
      };
      const max = reachableMax(run, progress);
      if (idx <= max) return { ...next, cursor: cursorAt(run, idx), pending: undefined };
      return { ...next, cursor: cursorAt(run, Math.max(0, max)), pending: idx > 0 ? idx : undefined };
    }
    case 'progress': {
      if (!s.run || a.progress.runId !== s.run.runId) return s;
      const next = { ...s, progress: a.progress };
      const max = reachableMax(s.run, a.progress);
      if (s.pending !== undefined && s.pending <= max)
        return { ...next, cursor: cursorAt(s.run, s.pending), pending: undefined, notice: undefined };
      return next;
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
  if (!s.run) return s;
  const run = s.run;
  const here = indexOf(run, s.cursor);
  const max = reachableMax(run, s.progress);
  switch (a.type) {
    case 'stepForward':
      return moveTo(s, here + 1);
    case 'stepBack':
      return here <= 0 ? s : moveTo(s, here - 1);
    case 'restart':
      return moveTo(s, 0);
    case 'end':
      return moveTo(s, max);
    case 'goTo':
      return moveTo(s, a.index);
    case 'goToStep':
      return validCursor(run, a.cursor) ? moveTo(s, indexOf(run, a.cursor)) : { ...s, notice: 'No such step in this run.' };
    case 'continue': {
      const bps = bpIndices(s);
      for (let i = here + 1; i <= max; i++) if (bps.has(i)) return moveTo(s, i);
      const res = moveTo(s, max);
      const finished = max === timelineLength(run) - 1;
      return finished ? res : { ...res, notice: 'Stopped at the last computed step; the run is still streaming in.' };
    }
    case 'reverseContinue': {
      const bps = bpIndices(s);
      for (let i = Math.min(here - 1, max); i >= 0; i--) if (bps.has(i)) return moveTo(s, i);
      return moveTo(s, 0);
    }
    case 'toggleBreakpoint': {
      const c = a.index === undefined ? s.cursor : cursorAt(run, a.index);
      const k = bpKey(c);
      const keys = s.breakpoints.includes(k) ? s.breakpoints.filter((x) => x !== k) : [...s.breakpoints, k];
      return { ...s, breakpoints: sortBreakpoints(run, keys) };
    }
  }
  return s;
}

function isCursor(c: unknown): c is Cursor {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Record<string, unknown>;
  return (
    (o.phase === 'forward' || o.phase === 'backward' || o.phase === 'totals') &&
    Number.isInteger(o.t) &&
    (o.t as number) >= 0
  );
}

function restore(s: State, saved: unknown): State {
  if (typeof saved !== 'object' || saved === null) return s;
  const p = saved as Partial<Persisted>;
  if (p.v !== 1) return s;
  const next = { ...s };
  if (isCursor(p.cursor)) next.cursor = { phase: p.cursor.phase, t: p.cursor.t };
  if (typeof p.fixture === 'string' && p.fixture.length < 4096) next.fixture = p.fixture;
  if (Array.isArray(p.breakpoints))
    next.breakpoints = p.breakpoints.filter((k): k is string => typeof k === 'string' && !!parseBpKey(k)).slice(0, 10000);
  if (Number.isInteger(p.batch) && (p.batch as number) >= 0) next.batch = p.batch as number;
  if (typeof p.table === 'boolean') next.table = p.table;
  if (typeof p.equations === 'boolean') next.equations = p.equations;
  return next;
}

export function persisted(s: State): Persisted {
  return {
    v: 1,
    cursor: s.pending !== undefined && s.run ? cursorAt(s.run, s.pending) : s.cursor,
    breakpoints: s.breakpoints,
    batch: s.batch,
    table: s.table,
    equations: s.equations,
    ...(s.fixture !== undefined ? { fixture: s.fixture } : {}),
  };
}

/** Map a protocol Action (host `command` message or a button) to a store action. */
export function fromProtocolAction(action: Action, t?: number, phase?: Phase): UiAction | undefined {
  switch (action) {
    case 'stepForward':
    case 'stepBack':
    case 'continue':
    case 'reverseContinue':
    case 'restart':
    case 'toggleBreakpoint':
      return { type: action };
    case 'goTo':
      // The host's "Go to Step" sends a 0-based t and the phase the user named (forward if none).
      return t === undefined ? undefined : { type: 'goToStep', cursor: { phase: phase ?? 'forward', t } };
    case 'showHelp':
      return { type: 'toggleHelp', open: true };
  }
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
    if (next.run && (!sameCursor(prev.cursor, next.cursor) || prev.run !== next.run))
      this.host.postMessage({ type: 'cursor', phase: next.cursor.phase, t: next.cursor.t });
    for (const l of this.listeners) l(next, prev);
    return next;
  }
}
