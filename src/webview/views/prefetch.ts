/**
 * Asks the host for the steps around the cursor before they are shown: the current stop first,
 * then its neighbours, reaching further in the direction the user is moving (a held key outruns
 * a host that needs a while per stop).
 */

import type { DataClient } from '../client';
import { cursorAt, indexOf, reachableMax, type State } from '../store';

export interface Prefetch {
  /** Note which way the cursor moved (call on every state change). */
  moved(s: State, prev: State): void;
  request(s: State): void;
}

export function create(data: DataClient): Prefetch {
  /** +1 while stepping forward, -1 while stepping back. */
  let travel = 1;
  return {
    moved(s, prev) {
      if (!s.run || prev.run !== s.run || prev.cursor === s.cursor) return;
      const d = indexOf(s.run, s.cursor) - indexOf(s.run, prev.cursor);
      if (d !== 0) travel = d > 0 ? 1 : -1;
    },
    request(s) {
      const run = s.run;
      if (!run) return;
      const max = reachableMax(run, s.progress);
      const here = indexOf(run, s.cursor);
      const k = travel;
      for (const d of [0, k, -k, 2 * k, 3 * k, -2 * k, 4 * k, 5 * k, 6 * k]) {
        const i = here + d;
        if (i < 0 || i > max) continue;
        const c = cursorAt(run, i);
        data.ensureStep(c.phase, c.t);
      }
    },
  };
}
