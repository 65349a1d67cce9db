/**
 * Asks the host for the steps around the cursor before they are shown: the current stop first,
 * then its neighbours, reaching further in the direction the user is moving (a held key outruns
 * a host that needs a while per stop). Repeated jumps of one stride (PageUp/PageDown on the
 * timeline, a scrubber moved by 10 again and again) get the next jumps' steps instead of the
 * near neighbours, so that the next jump is painted from the cache too.
 */

import type { DataClient } from '../client';
import { cursorAt, indexOf, reachableMax, type State } from '../store';

export interface Prefetch {
  /** Note which way the cursor moved (call on every state change). */
  moved(s: State, prev: State): void;
  request(s: State): void;
}

/** How many jumps of a repeated stride are fetched ahead. */
const JUMPS_AHEAD = 3;

/**
 * The timeline offsets to fetch, nearest need first: `last` is the latest move's (signed) size,
 * `before` the one before it. Single steps (or a first jump): the cursor, then ±1…6 leaning the
 * way of travel. The same jump twice: the cursor, the next jumps, and one step either side.
 */
export function prefetchOffsets(last: number, before: number): number[] {
  const k = last < 0 ? -1 : 1;
  if (Math.abs(last) > 1 && last === before) {
    const out = [0];
    for (let j = 1; j <= JUMPS_AHEAD; j++) out.push(j * last);
    out.push(k, -k);
    return out;
  }
  return [0, k, -k, 2 * k, 3 * k, -2 * k, 4 * k, 5 * k, 6 * k];
}

export function create(data: DataClient): Prefetch {
  /** The latest move's size (+1 while stepping forward, -1 while stepping back) and the one before. */
  let last = 1;
  let before = 1;
  return {
    moved(s, prev) {
      if (!s.run || prev.run !== s.run || prev.cursor === s.cursor) return;
      const d = indexOf(s.run, s.cursor) - indexOf(s.run, prev.cursor);
      if (d === 0) return;
      before = last;
      last = d;
    },
    request(s) {
      const run = s.run;
      if (!run) return;
      const max = reachableMax(run, s.progress);
      const here = indexOf(run, s.cursor);
      for (const d of prefetchOffsets(last, before)) {
        const i = here + d;
        if (i < 0 || i > max) continue;
        const c = cursorAt(run, i);
        data.ensureStep(c.phase, c.t);
      }
    },
  };
}
