/**
 * The timeline of a run as a flat list of stops, addressed by an index (the one place this
 * arithmetic is written; the timeline runtime, the webview store and the debug adapter use it):
 *   0 … T_x-1                forward t = index
 *   T_x … T_x+T_b-1          backward t = T_b-1 … 0 (the backward pass runs back in time)
 *   T_x+T_b                  totals
 * Reachability follows how far the run is computed: forward steps < forwardDone, the first
 * `backwardDone` backward stops, and the totals once the backward pass is complete.
 */

export type Phase = 'forward' | 'backward' | 'totals';

export interface Cursor {
  phase: Phase;
  /** 0-based step (0 for the totals). */
  t: number;
}

/** The lengths that fix a timeline: T_x forward steps and T_b back-propagated steps. */
export interface Span {
  T_x: number;
  T_b: number;
}

/** How far the run is computed (the engine's Runner and the protocol's Progress both fit). */
export interface Reach {
  forwardDone: number;
  backwardDone: number;
  finished: boolean;
}

export const timelineLength = (s: Span): number => s.T_x + s.T_b + 1;

export function indexOf(s: Span, c: Cursor): number {
  switch (c.phase) {
    case 'forward':
      return Math.min(Math.max(c.t, 0), s.T_x - 1);
    case 'backward':
      return s.T_x + (s.T_b - 1 - Math.min(Math.max(c.t, 0), s.T_b - 1));
    case 'totals':
      return s.T_x + s.T_b;
  }
}

export function cursorAt(s: Span, index: number): Cursor {
  const i = Math.min(Math.max(Math.trunc(index), 0), timelineLength(s) - 1);
  if (i < s.T_x) return { phase: 'forward', t: i };
  if (i < s.T_x + s.T_b) return { phase: 'backward', t: s.T_b - 1 - (i - s.T_x) };
  return { phase: 'totals', t: 0 };
}

/** Last reachable index, or -1 when nothing is computed yet. */
export function reachableMax(s: Span, reach: Reach | undefined): number {
  if (!reach) return -1;
  const f = Math.min(reach.forwardDone, s.T_x);
  if (f < s.T_x) return f - 1;
  const b = Math.min(reach.backwardDone, s.T_b);
  if (b < s.T_b) return s.T_x + b - 1;
  return reach.finished ? s.T_x + s.T_b : s.T_x + s.T_b - 1;
}

export function validCursor(s: Span, c: Cursor): boolean {
  if (!Number.isInteger(c.t)) return false;
  if (c.phase === 'forward') return c.t >= 0 && c.t < s.T_x;
  if (c.phase === 'backward') return c.t >= 0 && c.t < s.T_b;
  return c.t === 0;
}

/** A step as text, `forward:2`: how breakpoints are kept in the webview's saved state. */
export const stepKey = (c: Cursor): string => `${c.phase}:${c.t}`;

/** The step of a `stepKey`, or undefined for anything else. */
export function parseStepKey(key: unknown): Cursor | undefined {
  const m = typeof key === 'string' ? /^(forward|backward|totals):(\d{1,9})$/.exec(key) : null;
  if (!m) return undefined;
  const t = Number(m[2]);
  return m[1] === 'forward' ? { phase: 'forward', t } : m[1] === 'backward' ? { phase: 'backward', t } : { phase: 'totals', t };
}

/** A well-formed cursor (any run): a phase and a whole t >= 0. For untrusted saved state. */
export function isCursor(v: unknown): v is Cursor {
  if (typeof v !== 'object' || v === null) return false;
  const { phase, t }: { phase?: unknown; t?: unknown } = v;
  return (phase === 'forward' || phase === 'backward' || phase === 'totals') && Number.isInteger(t) && typeof t === 'number' && t >= 0;
}

export const sameCursor = (a: Cursor, b: Cursor): boolean => a.phase === b.phase && a.t === b.t;

/** First index of the phase that `index` is in. */
export function phaseStart(s: Span, index: number): number {
  if (index < s.T_x) return 0;
  if (index < s.T_x + s.T_b) return s.T_x;
  return s.T_x + s.T_b;
}

/** `Forward · t = 2 of 4` (1-based), `Backward · t = 3 of 4`, or `Totals`. */
export function positionText(s: Span, c: Cursor): string {
  if (c.phase === 'forward') return `Forward · t = ${c.t + 1} of ${s.T_x}`;
  if (c.phase === 'backward') return `Backward · t = ${c.t + 1} of ${s.T_b}`;
  return 'Totals';
}
