/**
 * The Step RNN panel's cursor, owned by the host: a `Timeline` (the same runtime the debug
 * adapter drives) fed with the run's progress, moved by the panel's intents (`move`,
 * `toggleBreakpoint` messages, the VS Code commands and keybindings) and by a debug session of the
 * same fixture. The webview only renders the `cursor` and `breakpoints` messages this sends: there
 * is no second cursor to keep in step, so a key can never be applied twice.
 *
 * No `vscode` here: src/extension/panel.ts wires one of these per panel, unit tests drive it in
 * plain Node (test/unit/session-panelCursor.test.ts).
 */

import type { Move, Progress, RunInfo, ToWebview } from '../protocol/messages';
import { Timeline, type StopEvent } from './timeline';
import { indexOf, isCursor, parseStepKey, sameCursor, validCursor, type Cursor, type Span } from './timelineIndex';

type CursorMessage = Extract<ToWebview, { type: 'cursor' }>;
type BreakpointsMessage = Extract<ToWebview, { type: 'breakpoints' }>;

export interface PanelCursorHooks {
  /** A message for the webview (the panel drops it while the webview is not ready). */
  post(m: CursorMessage | BreakpointsMessage): void;
  /** The cursor moved by the panel's doing (not by `follow`): a linked debug session follows. */
  moved?(c: Cursor): void;
}

/** Where a restored panel starts (the webview's saved state after a window reload). */
export interface SavedCursor {
  cursor?: Cursor;
  breakpoints?: Cursor[];
}

/**
 * The cursor and breakpoints a webview saved (`{ cursor: {phase, t}, breakpoints: ['phase:t', …] }`,
 * see src/webview/store.ts `Persisted`): untrusted, so only well-formed entries are kept (at most
 * 10,000 breakpoints). Whether they exist in the run is decided when the run is known.
 */
export function parseSavedCursor(state: unknown): SavedCursor {
  const out: SavedCursor = {};
  if (typeof state !== 'object' || state === null) return out;
  const { cursor, breakpoints }: { cursor?: unknown; breakpoints?: unknown } = state;
  if (isCursor(cursor)) out.cursor = { phase: cursor.phase, t: cursor.t };
  if (Array.isArray(breakpoints)) out.breakpoints = breakpoints.slice(0, 10_000).flatMap((k) => parseStepKey(k) ?? []);
  return out;
}

/** The run's spans, as the timeline counts them. */
export const spanOf = (run: Pick<RunInfo, 'dims' | 'T_b'>): Span => ({ T_x: run.dims.T_x, T_b: run.T_b });

/** (phase, t) kept in its phase, t clamped into the run (a re-run with fewer steps). */
export function clampCursor(span: Span, c: Cursor): Cursor {
  if (c.phase === 'totals') return { phase: 'totals', t: 0 };
  const n = c.phase === 'forward' ? span.T_x : span.T_b;
  if (n <= 0) return { phase: 'totals', t: 0 };
  return { phase: c.phase, t: Math.max(0, Math.min(Math.trunc(c.t), n - 1)) };
}

export class PanelCursor {
  readonly timeline = new Timeline({ T_x: 1, T_b: 0 });
  private runId = -1;
  /** Where a restored panel goes on its first run (then forgotten). */
  private saved: SavedCursor | undefined;
  /** The index a debug session asked for: its stop is not echoed back to the session. */
  private following: number | undefined;
  private lastIndex = 0;
  /** The newest `move` seq received from the current webview document (0: none yet). */
  private seq = 0;

  constructor(private readonly hooks: PanelCursorHooks, saved?: SavedCursor) {
    this.saved = saved;
    this.timeline.on('stopped', (e) => this.stopped(e));
    this.timeline.on('breakpoints', () => this.hooks.post(this.breakpointsMessage()));
  }

  get cursor(): Cursor {
    return this.timeline.cursor;
  }

  /**
   * A new run (first load, or a re-run after a save): the cursor starts at forward t = 0 (the
   * `init` message says so) and goes back to where the user was, or to the restored step, once
   * that step is computed again. Breakpoints stay (the restored ones on the first run).
   */
  newRun(run: Pick<RunInfo, 'runId' | 'dims' | 'T_b'>): Cursor {
    const span = spanOf(run);
    const first = this.runId < 0;
    const want = clampCursor(span, (first ? this.saved?.cursor : undefined) ?? this.timeline.cursor);
    this.runId = run.runId;
    this.following = undefined;
    this.timeline.reset(span, 0);
    this.lastIndex = 0;
    if (first && this.saved?.breakpoints) {
      const steps = this.saved.breakpoints.filter((c) => validCursor(span, c));
      this.timeline.setStepBreakpoints(steps.map((cursor) => ({ cursor })));
    }
    this.saved = undefined;
    const target = indexOf(span, want);
    if (target > 0) void this.timeline.seek(target);
    return this.timeline.cursor;
  }

  /** The run computed further: moves waiting for a step go on. Progress of another run is ignored. */
  progress(p: Progress): void {
    if (p.runId !== this.runId) return;
    const bad = p.firstNonFinite;
    this.timeline.setReach({
      forwardDone: p.forwardDone,
      backwardDone: p.backwardDone,
      finished: p.finished,
      ...(bad ? { firstNonFinite: { cursor: { phase: bad.phase, t: bad.t }, tensor: bad.tensor } } : {}),
      ...(p.error !== undefined ? { error: p.error } : {}),
    });
  }

  /**
   * An intent of the panel (key, button, command). Resolves with the stop, or undefined when
   * superseded. `seq` is the webview's number for it: every `cursor` message from now on says it
   * was received (the webview's prediction of this move is settled by the next stop).
   */
  move(move: Move, at?: Cursor, seq?: number): Promise<StopEvent | undefined> {
    this.following = undefined;
    if (seq !== undefined && seq > this.seq) this.seq = seq;
    const tl = this.timeline;
    switch (move) {
      case 'stepForward':
        return tl.step(false);
      case 'stepBack':
        return tl.step(true);
      case 'continue':
        return tl.continue(false);
      case 'reverseContinue':
        return tl.continue(true);
      case 'restart':
        return tl.restart();
      case 'end':
        return tl.seek(Math.max(0, tl.reachable));
      case 'phaseForward':
        return tl.stepPhase(false);
      case 'phaseBack':
        return tl.stepPhase(true);
      case 'seek':
        return at ? tl.seek(at) : tl.seek(tl.position);
    }
  }

  /** A new webview document (its `ready`): its moves are numbered from 1 again. */
  newDocument(): void {
    this.seq = 0;
  }

  /** Set or clear a step breakpoint at `at` (the cursor by default). */
  toggleBreakpoint(at?: Cursor): void {
    if (at && !validCursor(this.timeline.shape, at)) return;
    this.timeline.toggleStepBreakpoint(at ?? this.timeline.cursor);
  }

  /** A debug session of the same fixture stopped at `c`: go there without telling it back. */
  follow(c: Cursor): void {
    if (sameCursor(c, this.timeline.cursor) || !validCursor(this.timeline.shape, c)) return;
    this.following = indexOf(this.timeline.shape, c);
    void this.timeline.seek(c);
  }

  /** The step breakpoints to show (verified ones: a step of the current run). */
  breakpointsMessage(): BreakpointsMessage {
    const steps = this.timeline.breakpoints.flatMap((b) => (b.cursor && b.verified ? [{ phase: b.cursor.phase, t: b.cursor.t }] : []));
    return { type: 'breakpoints', steps };
  }

  private stopped(e: StopEvent): void {
    const echo = this.following === e.index;
    this.following = undefined;
    const m: CursorMessage = { type: 'cursor', runId: this.runId, phase: e.cursor.phase, t: e.cursor.t, reason: e.reason };
    if (e.description !== undefined) m.description = e.description;
    if (this.seq > 0) m.seq = this.seq;
    this.hooks.post(m);
    const changed = e.index !== this.lastIndex;
    this.lastIndex = e.index;
    if (changed && !echo) this.hooks.moved?.(e.cursor);
  }
}
