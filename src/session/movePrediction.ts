/**
 * Where the timeline (timeline.ts) will stop for a move, computed without it: the webview paints
 * this step at once, before the host's `cursor` message arrives (src/webview/cursorPrediction.ts
 * takes that message as the truth and repaints if the guess was wrong).
 *
 * The rules are the timeline's, for a timeline with step breakpoints only (the panel's: no hit
 * conditions, no condition breakpoints, no non-finite filter). A move that would wait for a step
 * not computed yet is not predicted (undefined): the panel waits for the host, as the timeline
 * does. A unit test drives a real Timeline next to this and checks they agree
 * (test/unit/session-movePrediction.test.ts).
 */

import { indexOf, phaseStart, reachableMax, timelineLength, validCursor, type Cursor, type Reach, type Span } from './timelineIndex';

/** The moves the panel sends (protocol `Move`); spelled here so the session layer needs no protocol import. */
export type PredictedMove =
  | 'stepForward'
  | 'stepBack'
  | 'continue'
  | 'reverseContinue'
  | 'restart'
  | 'end'
  | 'seek'
  | 'phaseForward'
  | 'phaseBack';

export interface TimelineView {
  span: Span;
  /** How far the run is computed (undefined: nothing yet). */
  reach: Reach | undefined;
  /** Timeline indices of the step breakpoints, any order. */
  breakpoints: readonly number[];
}

/**
 * The timeline index a move from `from` stops at, or undefined when the timeline would wait for a
 * step not computed yet (or the move needs a step it was not given).
 */
export function predictMove(v: TimelineView, from: number, move: PredictedMove, at?: Cursor): number | undefined {
  const length = timelineLength(v.span);
  const reachable = reachableMax(v.span, v.reach);
  /** A `moveTo`: the target if it is computed, else the timeline waits. */
  const to = (target: number) => (target <= reachable ? target : undefined);
  switch (move) {
    case 'stepForward':
      return from + 1 >= length ? from : to(from + 1);
    case 'stepBack':
      return from - 1 < 0 ? 0 : to(from - 1);
    case 'restart':
      return to(0);
    case 'end':
      return to(Math.max(0, reachable));
    case 'seek':
      if (!at) return undefined;
      return validCursor(v.span, at) ? to(indexOf(v.span, at)) : from;
    case 'phaseForward': {
      const next = from < v.span.T_x ? v.span.T_x : v.span.T_x + v.span.T_b;
      return to(Math.min(next, length - 1));
    }
    case 'phaseBack': {
      const start = phaseStart(v.span, from);
      return to(from > start ? start : phaseStart(v.span, Math.max(0, start - 1)));
    }
    case 'continue':
    case 'reverseContinue':
      return continueTo(v, from, move === 'reverseContinue', length, reachable);
  }
}

function continueTo(v: TimelineView, from: number, reverse: boolean, length: number, reachable: number): number | undefined {
  if (reverse) {
    if (from - 1 > reachable) return undefined; // (a re-run: the cursor's neighbours are not computed again yet)
    let best = -1;
    for (const b of v.breakpoints) if (b < from && b > best) best = b;
    return best >= 0 ? best : 0;
  }
  let next = length;
  for (const b of v.breakpoints) if (b > from && b < next) next = b;
  const stop = next < length ? next : length - 1;
  // The timeline scans from + 1 … stop and waits at the first step not computed yet.
  return stop > from && stop > reachable ? undefined : stop;
}
